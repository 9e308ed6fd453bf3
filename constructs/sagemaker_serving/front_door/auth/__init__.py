"""How the front door's methods are authorised: each auth is an object with a ``bind()``."""
