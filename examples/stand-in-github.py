#!/usr/bin/env python3
"""A stand-in for GitHub's API on 127.0.0.1, to try `leakhound --verify/--revoke` safely.

It answers the two calls leakhound's github provider makes: GET /user (who owns the token)
and POST /credentials/revoke (revoke leaked tokens), and prints each request it receives,
with the token redacted. Tokens it has "revoked" are rejected afterwards, like GitHub does.

    python3 examples/stand-in-github.py 8787
"""
import json
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

revoked = set()


def shown(token):
    return token[:8] + "…" if token else "-"


class StandIn(BaseHTTPRequestHandler):
    def reply(self, status, body=None):
        data = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        token = self.headers.get("Authorization", "").removeprefix("Bearer ")
        print(f"GET {self.path} token={shown(token)}", flush=True)
        if self.path != "/user" or not token.startswith(("ghp_", "github_pat_", "gho_", "ghu_")):
            return self.reply(401, {"message": "Bad credentials"})
        if token in revoked:
            return self.reply(401, {"message": "Bad credentials"})
        self.reply(200, {"login": "stand-in-user", "id": 1})

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        tokens = body.get("credentials", [])
        print(f"POST {self.path} credentials={[shown(t) for t in tokens]}", flush=True)
        if self.path != "/credentials/revoke" or "Authorization" in self.headers:
            return self.reply(403 if "Authorization" in self.headers else 404, {"message": "no"})
        revoked.update(tokens)
        self.reply(202)

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8787
    print(f"stand-in GitHub API on http://127.0.0.1:{port}", flush=True)
    HTTPServer(("127.0.0.1", port), StandIn).serve_forever()
