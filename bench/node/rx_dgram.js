// rodatagram - BrightSign-style datagram objects for C++
// SPDX-License-Identifier: MIT
//
// Contender "Node.js dgram": the vendor's named JavaScript equivalent. One
// 'message' listener; the listener is the application code.
//
//   node rx_dgram.js drain n=<count> rcvbuf=<bytes>
//   node rx_dgram.js echo
//   node rx_dgram.js idle
//
// Speaks the driver's line protocol (bench_common.hpp): READY, then RESULT.
// process.hrtime.bigint() reads CLOCK_MONOTONIC through libuv, the clock
// the C++ contenders use.
'use strict';

const dgram = require('node:dgram');

const mode = process.argv[2];
const args = {};
for (const kv of process.argv.slice(3)) {
  const eq = kv.indexOf('=');
  if (eq > 0) args[kv.slice(0, eq)] = Number(kv.slice(eq + 1));
}

// Never outlive the driver. An unref'd timer adds no wake-up before it fires.
setTimeout(() => process.exit(3), (args.lifetime || 120) * 1000).unref();

const options = { type: 'udp4' };
if (args.rcvbuf > 0) options.recvBufferSize = args.rcvbuf;
const socket = dgram.createSocket(options);

let readyCpu = null;
function ready() {
  readyCpu = process.cpuUsage();
  process.stdout.write(`READY port=${socket.address().port}\n`);
}

if (mode === 'drain') {
  const n = args.n;
  let count = 0;
  let sum = 0;
  let first = 0n;
  socket.on('message', (msg) => {
    if (count === 0) first = process.hrtime.bigint();
    let s = 0;
    for (let i = 0; i < msg.length; i++) s += msg[i];
    sum += s;
    if (++count === n) {
      const last = process.hrtime.bigint();
      const cpu = process.cpuUsage(readyCpu);
      const cpuNs = (cpu.user + cpu.system) * 1000;
      process.stdout.write(
          `RESULT count=${count} sum=${sum} first_ns=${first} last_ns=${last} cpu_ns=${cpuNs}\n`,
          () => process.exit(0));
      socket.close();
    }
  });
} else if (mode === 'echo') {
  socket.on('message', (msg, rinfo) => socket.send(msg, rinfo.port, rinfo.address));
} else if (mode === 'idle') {
  socket.on('message', () => {});
} else {
  process.stderr.write(`rx_dgram.js: unknown mode '${mode}'\n`);
  process.exit(2);
}
socket.bind(0, '127.0.0.1', ready);
