#!/usr/bin/env python3
# The attacker "whoever serves the log to a client": a proxy in front of a
# ledgerd node that answers everything as the node does, except that its
# /members list leaves out the last membership entry (to keep a removed
# node's key trusted by the client). It writes its port to PORTFILE, and
# exits by itself after 10 minutes, so that a test that fails before it
# kills the proxy does not hang in its cleanup.
#   withhold_proxy.py UPSTREAM PORTFILE
import http.server, json, os, sys, threading, urllib.error, urllib.request

upstream, portfile = sys.argv[1], sys.argv[2]

class Proxy(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        try:
            with urllib.request.urlopen(upstream + self.path) as r:
                code, ctype, body = r.status, r.headers["Content-Type"], r.read()
        except urllib.error.HTTPError as e:
            code, ctype, body = e.code, e.headers["Content-Type"], e.read()
        if self.path.split("?")[0] == "/members" and code == 200:
            doc = json.loads(body)
            doc["entries"] = doc["entries"][:-1]
            body = json.dumps(doc).encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype or "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

threading.Timer(600, lambda: os._exit(0)).start()
srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
with open(portfile + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(portfile + ".tmp", portfile)
srv.serve_forever()
