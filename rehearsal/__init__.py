"""Deploy rehearsal on a local AWS emulator (moto server on 127.0.0.1).

- :mod:`rehearsal.moto_server`: start/stop a moto server, clients and environment for it.
- :mod:`rehearsal.deploy`: deploy a synthesised template with boto3 (file assets included).
- :mod:`rehearsal.verify`: check what a deployed stack created against the configuration; the checks are in
  :mod:`rehearsal.verify_endpoint`, :mod:`rehearsal.verify_model`, :mod:`rehearsal.verify_iam`,
  :mod:`rehearsal.verify_front_door` and :mod:`rehearsal.verify_template`, the report in :mod:`rehearsal.report`.
- :mod:`rehearsal.deploy_local`: ``make deploy-local`` (the real CDK CLI against moto).
- :mod:`rehearsal.serve_local`: ``make serve-local`` (the front-door handler behind a local HTTP server):
  the proxy event in :mod:`rehearsal.lambda_proxy`, the HTTP server in :mod:`rehearsal.local_front_door`.

Nothing here is imported by ``app.py`` or the constructs; it never talks to real AWS.
"""
