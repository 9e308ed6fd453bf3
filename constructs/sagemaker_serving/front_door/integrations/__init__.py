"""How the front door reaches the model: each integration is an object with a ``bind()``."""
