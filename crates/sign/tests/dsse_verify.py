# An independent DSSE verifier written from the DSSE protocol spec, using only
# Python's `cryptography` for Ed25519. Usage: dsse_verify.py ENVELOPE THRESHOLD PUBKEY.pem...
# Prints how many distinct keys signed; exits non-zero below the threshold.
import base64, json, sys
from cryptography.hazmat.primitives.serialization import load_pem_public_key

def b64(s):
    s = s.replace('-', '+').replace('_', '/')
    return base64.b64decode(s + '=' * (-len(s) % 4), validate=True)

def pae(t, body):
    t = t.encode('utf-8')
    return b'DSSEv1 %d %s %d %s' % (len(t), t, len(body), body)

env = json.load(open(sys.argv[1]))
threshold = int(sys.argv[2])
keys = [load_pem_public_key(open(p, 'rb').read()) for p in sys.argv[3:]]
payload = b64(env['payload'])
msg = pae(env['payloadType'], payload)
ok = set()
for i, k in enumerate(keys):
    for s in env['signatures']:
        try:
            k.verify(b64(s['sig']), msg)
            ok.add(k.public_bytes_raw())
            break
        except Exception:
            pass
print(len(ok))
sys.exit(0 if len(ok) >= threshold and env['payloadType'] == 'application/vnd.in-toto+json' else 1)
