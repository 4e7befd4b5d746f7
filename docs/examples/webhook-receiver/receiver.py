"""Sample receiver of govchat's outbound events (Python 3, standard library).

    GOVCHAT_WEBHOOK_SECRET=<the secret govchat has> python3 receiver.py 9000
"""
import hashlib, hmac, json, os, sys, time
from http.server import BaseHTTPRequestHandler, HTTPServer

SECRET = os.environ["GOVCHAT_WEBHOOK_SECRET"].encode()
TOLERANCE = 300  # seconds: older requests are refused (no replay)
seen = set()     # in production: a unique key on the ticket table


def verify(headers, body):
    ts = headers.get("X-Govchat-Timestamp", "")
    if not ts.isdigit() or abs(time.time() - int(ts)) > TOLERANCE:
        return False
    mac = hmac.new(SECRET, ts.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest("sha256=" + mac, headers.get("X-Govchat-Signature", ""))


def create_ticket(event):  # replace with the call into the ticket system
    print(event["type"], event["id"], flush=True)


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if not verify(self.headers, body):
            self.send_response(401)
        else:
            event = json.loads(body)
            if event["id"] not in seen:  # each event once
                create_ticket(event)
                seen.add(event["id"])
            self.send_response(204)
        self.end_headers()


if __name__ == "__main__":
    HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
