# Where the app servers are, and who may purge: edit this file for your servers.
# alerts.vcl includes it; keep alerts.vcl itself as shipped.

backend default {
    .host = "127.0.0.1";
    .port = "8000";
    .connect_timeout = 2s;
    .first_byte_timeout = 30s;
}

# The addresses the app servers' task workers purge from. They purge on the socket
# named "purge" (varnishd -a purge=ADDRESS:PORT), which FRONT_CACHE_URLS points at;
# nothing else may purge or ban.
acl purgers {
    "127.0.0.1";
    "::1";
}
