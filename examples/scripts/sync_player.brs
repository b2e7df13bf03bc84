' Leader/follower sync pair: the leader sends a binary SYNC message every
' 100 ms (seq, position, CRC-32, built with roByteArray); the follower checks
' it and answers with an ACK carrying the sequence number. Both stop after
' count% messages. Run one player as "leader" and one as "follower".
' The C++ port line for line: examples/sync_player.cpp.

Sub Main()
    role$ = "follower" : localPort% = 7000 : peer$ = "127.0.0.1" : peerPort% = 7001 : count% = 5

    mp = CreateObject("roMessagePort")
    udp = CreateObject("roDatagramSocket")
    udp.SetPort(mp)
    udp.SetUserData("sync")
    if not udp.BindToLocalPort(localPort%) then print "bind failed: "; udp.GetFailureReason() : stop

    tick = CreateObject("roTimer")
    tick.SetPort(mp)
    tick.SetElapsed(0, 100)
    seq% = 0
    acked% = 0
    if role$ = "leader" then tick.Start()

    while true
        msg = wait(3000, mp)
        if type(msg) = "Invalid" then print "peer silent" : stop
        if type(msg) = "roTimerEvent" then
            seq% = seq% + 1
            rc = udp.SendTo(peer$, peerPort%, BuildSync(seq%, seq% * 100))
            if rc <> 0 then print "SendTo failed "; rc; " "; udp.GetFailureReason()
            tick.Start()
        else if type(msg) = "roDatagramEvent" then
            ba = msg.GetByteArray()
            kind = ba.Shift()
            if kind = &h53 and role$ = "follower" then
                if ba.Count() <> 12 or ba.GetCRC32(0, 8) <> ReadLong(ba, 8) then
                    print "bad sync"
                else
                    print "sync "; ba.GetSignedLong(0); " at "; ba.GetSignedLong(1)
                    ack = CreateObject("roByteArray")
                    ack.Push(&h41)
                    ack.Append(ba.Slice(0, 4))
                    udp.SendTo(msg.GetSourceHost(), msg.GetSourcePort(), ack)
                    if ba.GetSignedLong(0) >= count% then exit while
                end if
            else if kind = &h41 and role$ = "leader" then
                acked% = acked% + 1
                if acked% >= count% then exit while
            end if
        end if
    end while
    print role$; " done"
End Sub

Function BuildSync(seq% as Integer, position% as Integer) as Object
    ba = CreateObject("roByteArray")
    PushLong(ba, seq%)
    PushLong(ba, position%)
    PushLong(ba, ba.GetCRC32())
    ba.Unshift(&h53)
    return ba
End Function

Sub PushLong(ba as Object, value as Integer)
    for i = 0 to 3
        ba.Push(value >> (8 * i))
    end for
End Sub

Function ReadLong(ba as Object, index as Integer) as Integer
    return ba[index] + (ba[index + 1] << 8) + (ba[index + 2] << 16) + (ba[index + 3] << 24)
End Function
