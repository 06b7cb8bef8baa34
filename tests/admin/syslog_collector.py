#!/usr/bin/env python3
"""A syslog collector for the audit-forwarding test: accepts TCP connections (TLS with --cert
and --key) and writes each RFC 6587 octet-counted message to OUT_DIR/<n>.msg, n counting from 1.
Usage: syslog_collector.py PORT OUT_DIR [--cert PEM --key PEM]"""
import argparse
import itertools
import os
import socket
import ssl
import threading

parser = argparse.ArgumentParser()
parser.add_argument("port", type=int)
parser.add_argument("out_dir")
parser.add_argument("--cert")
parser.add_argument("--key")
args = parser.parse_args()
os.makedirs(args.out_dir, exist_ok=True)
start = len([f for f in os.listdir(args.out_dir) if f.endswith(".msg")]) + 1
counter = itertools.count(start)
lock = threading.Lock()

context = None
if args.cert:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.cert, args.key)


def serve(connection):
    buffer = b""
    with connection:
        while True:
            try:
                data = connection.recv(65536)
            except (OSError, ssl.SSLError):
                return
            if not data:
                return
            buffer += data
            while True:
                space = buffer.find(b" ")
                if space < 0 or not buffer[:space].isdigit():
                    break
                length = int(buffer[:space])
                if len(buffer) < space + 1 + length:
                    break
                message = buffer[space + 1:space + 1 + length]
                buffer = buffer[space + 1 + length:]
                with lock:
                    path = os.path.join(args.out_dir, "%06d.msg" % next(counter))
                    with open(path + ".part", "wb") as out:
                        out.write(message)
                    os.rename(path + ".part", path)


listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", args.port))
listener.listen(8)
while True:
    raw, _ = listener.accept()
    try:
        connection = context.wrap_socket(raw, server_side=True) if context else raw
    except (OSError, ssl.SSLError):
        raw.close()
        continue
    threading.Thread(target=serve, args=(connection,), daemon=True).start()
