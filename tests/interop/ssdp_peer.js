// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT
//
// Node.js peers for tests/interop/ssdp_interop.sh, which runs them inside its
// private network namespaces (never in the machine's own). node-ssdp comes
// from NODE_PATH (tests/interop/install-node-ssdp.sh puts it in the build tree).
//
//   node ssdp_peer.js client IFACE ST WAIT_MS
//       node-ssdp's Client searches for ST on IFACE; one line per response.
//   node ssdp_peer.js server IFACE ADDRESS UUID
//       node-ssdp's Server (upnp:rootdevice, uuid, MediaServer:1) with an HTTP
//       description on ADDRESS; prints "ready LOCATION"; runs until SIGTERM.
//   node ssdp_peer.js probe ADDRESS DEST WAIT_MS  < datagram
//       sends stdin as one datagram from ADDRESS:<ephemeral> to DEST:1900
//       (multicast TTL 2) and prints each reply it gets within WAIT_MS.
//       IPv6: ADDRESS "fe80::2%veth-cp" or "2001:db8::2", DEST "ff02::c%veth-cp"
//       (the scope of DEST names the interface the search goes out of).
'use strict'

const dgram = require('dgram')
const fs = require('fs')
const http = require('http')

function header(lines, name) {
  const line = lines.find((l) => l.toUpperCase().startsWith(name + ':'))
  return line === undefined ? '' : line.slice(name.length + 1).trim()
}

function client([iface, st, waitMs]) {
  const { Client } = require('node-ssdp')
  // explicitSocketBind: bind the interface address, so that the search goes
  // out of it without a multicast route.
  const ssdp = new Client({ interfaces: [iface], explicitSocketBind: true })
  ssdp.on('response', (headers, code, rinfo) => {
    console.log(`response ${code} ST=${headers.ST} USN=${headers.USN} ` +
                `LOCATION=${headers.LOCATION} from=${rinfo.address}:${rinfo.port}`)
  })
  ssdp.search(st)
  setTimeout(() => { ssdp.stop(); process.exit(0) }, Number(waitMs))
}

function server([iface, address, uuid]) {
  const { Server } = require('node-ssdp')
  const type = 'urn:schemas-upnp-org:device:MediaServer:1'
  const description =
    '<?xml version="1.0"?>\r\n<root xmlns="urn:schemas-upnp-org:device-1-0">' +
    '<specVersion><major>1</major><minor>0</minor></specVersion><device>' +
    `<deviceType>${type}</deviceType><friendlyName>node-ssdp peer</friendlyName>` +
    `<manufacturer>test</manufacturer><modelName>node-ssdp</modelName><UDN>uuid:${uuid}</UDN>` +
    '</device></root>\r\n'
  const web = http.createServer((request, response) => {
    response.writeHead(200, { 'Content-Type': 'text/xml' })
    response.end(description)
  })
  web.listen(0, address, () => {
    const location = `http://${address}:${web.address().port}/desc.xml`
    const ssdp = new Server({ location, udn: `uuid:${uuid}`, interfaces: [iface] })
    ssdp.addUSN('upnp:rootdevice')
    ssdp.addUSN(type)
    ssdp.start().then(() => console.log(`ready ${location}`))
    process.on('SIGTERM', () => { ssdp.stop(); web.close(); process.exit(0) })
  })
}

function probe([address, dest, waitMs]) {
  const payload = fs.readFileSync(0)
  const ipv6 = address.includes(':')
  const socket = dgram.createSocket(ipv6 ? 'udp6' : 'udp4')
  const start = Date.now()
  let replies = 0
  socket.on('message', (message, rinfo) => {
    ++replies
    const text = message.toString('latin1')
    // Every line ends in CRLF and the header block in an empty line.
    const crlf = !/[^\r]\n|\r[^\n]/.test(text) && text.endsWith('\r\n\r\n')
    const lines = text.split('\r\n')
    const names = lines.slice(1).filter((l) => l).map((l) => l.slice(0, l.indexOf(':')).toUpperCase())
    console.log(`reply from=${rinfo.address}:${rinfo.port} ms=${Date.now() - start} ` +
                `crlf=${crlf ? 'yes' : 'no'} status="${lines[0]}" ST=${header(lines, 'ST')} ` +
                `USN=${header(lines, 'USN')} LOCATION=${header(lines, 'LOCATION')} ` +
                `headers=${names.join(',')}`)
  })
  socket.bind(0, address, () => {
    socket.setMulticastInterface(ipv6 ? '::%' + dest.split('%')[1] : address)
    socket.setMulticastTTL(2)
    socket.send(payload, 1900, dest, (error) => {
      if (error) { console.error(`send: ${error.message}`); process.exit(1) }
    })
    setTimeout(() => { console.log(`replies ${replies}`); socket.close() }, Number(waitMs))
  })
}

const commands = { client, server, probe }
const [command, ...args] = process.argv.slice(2)
if (!commands[command]) {
  console.error('usage: node ssdp_peer.js client|server|probe ARGS...')
  process.exit(2)
}
commands[command](args)
