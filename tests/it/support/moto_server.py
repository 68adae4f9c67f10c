"""Start a moto server on a free loopback port for one test.

Prints the port on stdout, then serves until its stdin closes, so the server
never outlives the test process that started it, even if that process is killed.
"""

import sys

from moto.server import ThreadedMotoServer

server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
print(server.get_host_and_port()[1], flush=True)
sys.stdin.read()
server.stop()
