' A discovery responder with retries: it announces itself to a registry
' ("HELLO name") every 300 ms until the registry answers "WELCOME" (at most
' five times; -128 means the network is not up yet and does not count), and
' answers "WHO?" from anyone with "I AM name" until told "quit".
' The C++ port line for line: examples/discovery_responder.cpp.

Sub Main()
    name$ = "player-1" : port% = 6000 : registry$ = "127.0.0.1" : registryPort% = 6001

    mp = CreateObject("roMessagePort")
    udp = CreateObject("roDatagramSocket")
    udp.SetPort(mp)
    if not udp.BindToLocalPort(port%) then print "bind failed: "; udp.GetFailureReason() : stop

    retry = CreateObject("roTimer")
    retry.SetPort(mp)
    retry.SetElapsed(0, 300)
    tries% = 0
    registered = false
    retry.SetElapsed(0, 0)
    retry.Start()

    while true
        ev = wait(0, mp)
        if type(ev) = "roTimerEvent" then
            rc = udp.SendTo(registry$, registryPort%, "HELLO " + name$)
            if rc = -128 then
                print "network not up, retrying"
            else
                tries% = tries% + 1
            end if
            retry.SetElapsed(0, 300)
            if tries% < 5 then retry.Start() else print "registry silent after "; tries%; " tries"
        else if type(ev) = "roDatagramEvent" then
            if ev = "WELCOME" and not registered then
                retry.Stop()
                registered = true
                print "registered after "; tries%; " tries"
            else if ev = "WHO?" then
                udp.SendTo(ev.GetSourceHost(), ev.GetSourcePort(), "I AM " + name$)
            else if ev = "quit" then
                exit while
            end if
        end if
    end while
End Sub
