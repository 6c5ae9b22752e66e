# The front cache for the public site, in front of the app servers (Varnish 7).
#
# What it keeps: public pages, for as long as their Cache-Control s-maxage says (at
# most five minutes, never past the next scheduled go-live: the app computes it), and
# static files, for a year. Nothing else: the admin and staff pages, any response
# without s-maxage, any response that sets a cookie or varies on one, and any request
# from a signed-in member of staff pass straight through.
#
# How it learns of changes: the app's task worker sends BAN requests (header
# X-Ban-Url: a regular expression over path and query string) to the socket named
# "purge", from an address on the purgers list; PURGE drops one URL. Start varnishd
# with both sockets: -a :6081 -a purge=10.0.0.5:6091. See docs/deploy.md, "Front cache".
vcl 4.1;

include "backends.vcl";

sub vcl_recv {
    if (req.method == "BAN" || req.method == "PURGE") {
        # Only on the listening socket named "purge" (varnishd -a purge=ADDRESS:PORT, on
        # an internal address), and only from the app servers. Not on the public socket:
        # a TLS proxy on this host would make every reader look like 127.0.0.1.
        if (local.socket != "purge" || client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        if (req.method == "PURGE") {
            return (purge);
        }
        if (!req.http.X-Ban-Url || req.http.X-Ban-Url ~ "\s") {
            return (synth(400, "X-Ban-Url must be one regular expression without spaces"));
        }
        # Tested against what each kept page stored of its URL (vcl_backend_response),
        # so the ban lurker can drop matching pages in the background.
        ban("obj.http.X-Url ~ " + req.http.X-Ban-Url);
        return (synth(200, "Banned"));
    }
    if (local.socket == "purge") {
        return (synth(405, "Only BAN and PURGE here"));
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    if (req.url ~ "^/(admin|staff)(/|$)" || req.http.Authorization) {
        return (pass);
    }
    if (req.url ~ "^/static/") {
        unset req.http.Cookie;
        return (hash);
    }
    # Signed-in staff see what the app makes for them, never a kept page.
    if (req.http.Cookie ~ "(^|;\s*)sessionid=") {
        return (pass);
    }
    # Any other cookie (analytics, the CSRF token) means nothing to a public page:
    # dropped, so readers carrying one share the kept pages.
    unset req.http.Cookie;
    return (hash);
}

sub vcl_hash {
    # Pages carry absolute links: one copy per scheme a TLS proxy in front reports.
    hash_data(req.http.X-Forwarded-Proto);
}

sub vcl_backend_response {
    set beresp.http.X-Url = bereq.url;
    # Never served past its time: a page with grace could outlive a go-live.
    set beresp.grace = 0s;
    if (bereq.uncacheable) {
        return (deliver);
    }
    if (bereq.url ~ "^/static/" && beresp.status == 200 && !beresp.http.Set-Cookie) {
        set beresp.ttl = 365d;
        call compress_once;
        return (deliver);
    }
    if (beresp.status != 200
        || beresp.http.Set-Cookie
        || beresp.http.Vary ~ "(?i)(cookie|\*)"
        || beresp.http.Cache-Control !~ "s-maxage=[0-9]"
        || beresp.http.Cache-Control ~ "(?i)(private|no-store|no-cache)") {
        # Not kept; the next request for it goes to the app again, and a page that
        # becomes cacheable later (an alert going live) replaces this marker.
        set beresp.ttl = 60s;
        set beresp.uncacheable = true;
        return (deliver);
    }
    # The TTL is the response's s-maxage less its Age, as Varnish computes it.
    call compress_once;
    return (deliver);
}

sub compress_once {
    # Kept compressed: gzipped once when stored, sent as stored to every client that
    # accepts gzip and unzipped for the rest, never compressed again per hit. Only
    # what is kept comes here, and nothing kept sets a cookie, so no response carrying
    # a CSRF token is ever compressed (BREACH). Static files may arrive compressed
    # already (whitenoise's precompressed copies): left as they are.
    if (!beresp.http.Content-Encoding
        && beresp.http.Content-Type ~ "^(text/|application/(json|xml|atom\+xml|rss\+xml|javascript|manifest\+json)|image/svg\+xml)") {
        set beresp.do_gzip = true;
    }
}

sub vcl_deliver {
    unset resp.http.X-Url;
    if (obj.uncacheable) {
        set resp.http.X-Cache = "PASS";
    } elsif (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
}
