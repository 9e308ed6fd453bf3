"""Deploy rehearsal on a local AWS emulator (moto server on 127.0.0.1).

- :mod:`stacks.local.moto_server`: start/stop a moto server, clients and environment for it.
- :mod:`stacks.local.deploy`: deploy a synthesised template with boto3 (file assets included).
- :mod:`stacks.local.verify`: check what a deployed stack created against the configuration.
- :mod:`stacks.local.deploy_local`: ``make deploy-local`` (the real CDK CLI against moto).
- :mod:`stacks.local.serve_local`: ``make serve-local`` (the front-door handler behind a local HTTP server).

Nothing here is imported by ``app.py`` or the constructs; it never talks to real AWS.
"""
