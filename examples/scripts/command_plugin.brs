' A UDP command plugin with a heartbeat: commands arrive as text on
' commandPort% ("play", "pause", "vol:NN", "quit", any case); each is
' answered to its sender, and a heartbeat reports the state to a monitor
' every 200 ms. The C++ port line for line: examples/command_plugin.cpp.

Sub Main()
    commandPort% = 5000 : monitor$ = "127.0.0.1" : monitorPort% = 5001

    mp = CreateObject("roMessagePort")
    udp = CreateObject("roDatagramSocket")
    udp.SetPort(mp)
    if not udp.BindToLocalPort(commandPort%) then print "bind failed: "; udp.GetFailureReason() : stop

    heartbeat = CreateObject("roTimer")
    heartbeat.SetPort(mp)
    heartbeat.SetUserData("heartbeat")
    heartbeat.SetElapsed(0, 200)
    heartbeat.Start()

    beats% = 0 : volume% = 50 : state$ = "playing"
    while true
        event = wait(0, mp)
        if type(event) = "roTimerEvent" and event.GetUserData() = "heartbeat" then
            beats% = beats% + 1
            udp.SendTo(monitor$, monitorPort%, "alive " + stri(beats%).Trim() + " " + state$)
            heartbeat.Start()
        else if type(event) = "roDatagramEvent" then
            msg = lcase(event)
            print "command: "; msg
            reply$ = ""
            if msg = "quit" then
                udp.SendTo(event.GetSourceHost(), event.GetSourcePort(), "bye")
                exit while
            else if msg = "pause" then
                state$ = "paused"
            else if msg = "play" then
                state$ = "playing"
            else if left(msg, 4) = "vol:" then
                volume% = val(mid(msg, 5))
            else
                reply$ = "error " + msg
            end if
            if reply$ = "" then reply$ = "ok " + state$ + " " + stri(volume%).Trim()
            udp.SendTo(event.GetSourceHost(), event.GetSourcePort(), reply$)
        end if
    end while
    heartbeat.Stop()
End Sub
