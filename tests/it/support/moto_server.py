"""Start a moto server on a free loopback port for one test.

Prints the port on stdout, then serves until its stdin closes, so the server
never outlives the test process that started it, even if that process is killed.

moto 5.2.5 keeps each bucket's payer but has no GetBucketRequestPayment or
PutBucketRequestPayment (a GET `?requestPayment` answers as ListObjects): the two
are added below, as S3 documents them, so Requester Pays can be tested for real.
"""

import sys

import xmltodict
from moto.s3.responses import S3Response
from moto.server import ThreadedMotoServer

_get = S3Response._bucket_response_get
_put = S3Response._bucket_response_put

PAYMENT = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<RequestPaymentConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
    "<Payer>{}</Payer></RequestPaymentConfiguration>"
)


def _bucket_get(self, bucket_name, querystring):
    if "requestPayment" not in querystring:
        return _get(self, bucket_name, querystring)
    self.data["Action"] = "GetBucketRequestPayment"
    self._authenticate_and_authorize_s3_action(bucket_name=bucket_name)
    bucket = self.backend.get_bucket(bucket_name)
    return 200, {}, PAYMENT.format(bucket.payer)


def _bucket_put(self, request, bucket_name, querystring):
    if "requestPayment" not in querystring:
        return _put(self, request, bucket_name, querystring)
    self.data["Action"] = "PutBucketRequestPayment"
    self._authenticate_and_authorize_s3_action(bucket_name=bucket_name)
    body = self.body.decode() if isinstance(self.body, bytes) else self.body
    payer = xmltodict.parse(body)["RequestPaymentConfiguration"]["Payer"]
    self.backend.get_bucket(bucket_name).payer = payer
    return 200, {}, ""


S3Response._bucket_response_get = _bucket_get
S3Response._bucket_response_put = _bucket_put

server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
print(server.get_host_and_port()[1], flush=True)
sys.stdin.read()
server.stop()
