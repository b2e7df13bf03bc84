/* rodatagram - BrightSign-style datagram objects for C++
 * SPDX-License-Identifier: MIT
 *
 * A minimal control point on the pupnp (libupnp 1.8) client API, the SSDP
 * stack of VLC, gmrender and many NAS firmwares: UpnpInit2 on one interface,
 * UpnpSearchAsync, and one line per discovery callback. Built and run by
 * tests/interop/ssdp_interop.sh inside its private namespaces only.
 *
 *   pupnp_cp IFACE TARGET SECONDS
 *
 * Lines: "result|alive|byebye DeviceID=... DeviceType=... ServiceType=...
 * Location=... Expires=N from=ADDRESS", and "timeout" when the search ends.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <upnp/upnp.h>
#include <upnp/upnptools.h>

static int on_event(Upnp_EventType type, const void *event, void *cookie) {
  const UpnpDiscovery *d = (const UpnpDiscovery *)event;
  const char *kind = NULL;
  char from[INET6_ADDRSTRLEN] = "?";
  (void)cookie;
  switch (type) {
    case UPNP_DISCOVERY_SEARCH_RESULT: kind = "result"; break;
    case UPNP_DISCOVERY_ADVERTISEMENT_ALIVE: kind = "alive"; break;
    case UPNP_DISCOVERY_ADVERTISEMENT_BYEBYE: kind = "byebye"; break;
    case UPNP_DISCOVERY_SEARCH_TIMEOUT:
      printf("timeout\n");
      fflush(stdout);
      return 0;
    default: return 0;
  }
  const struct sockaddr_storage *a = UpnpDiscovery_get_DestAddr(d);
  if (a->ss_family == AF_INET) {
    inet_ntop(AF_INET, &((const struct sockaddr_in *)a)->sin_addr, from, sizeof from);
  } else if (a->ss_family == AF_INET6) {
    inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)a)->sin6_addr, from, sizeof from);
  }
  printf("%s err=%d DeviceID=%s DeviceType=%s ServiceType=%s Location=%s Expires=%d from=%s\n",
         kind, UpnpDiscovery_get_ErrCode(d), UpnpDiscovery_get_DeviceID_cstr(d),
         UpnpDiscovery_get_DeviceType_cstr(d), UpnpDiscovery_get_ServiceType_cstr(d),
         UpnpDiscovery_get_Location_cstr(d), UpnpDiscovery_get_Expires(d), from);
  fflush(stdout);
  return 0;
}

int main(int argc, char **argv) {
  UpnpClient_Handle handle = -1;
  int rc;
  if (argc != 4) {
    fprintf(stderr, "usage: pupnp_cp IFACE TARGET SECONDS\n");
    return 2;
  }
  rc = UpnpInit2(argv[1], 0);
  if (rc != UPNP_E_SUCCESS) {
    fprintf(stderr, "UpnpInit2(%s): %s\n", argv[1], UpnpGetErrorMessage(rc));
    return 1;
  }
  printf("pupnp on %s IPv4 %s IPv6 %s\n", argv[1], UpnpGetServerIpAddress(),
         UpnpGetServerIp6Address());
  rc = UpnpRegisterClient(on_event, NULL, &handle);
  if (rc == UPNP_E_SUCCESS) rc = UpnpSearchAsync(handle, 2, argv[2], NULL);
  if (rc != UPNP_E_SUCCESS) {
    fprintf(stderr, "search: %s\n", UpnpGetErrorMessage(rc));
    UpnpFinish();
    return 1;
  }
  fflush(stdout);
  sleep((unsigned)atoi(argv[3]));
  UpnpFinish();
  return 0;
}
