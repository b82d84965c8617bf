"""The Docker sandbox: argument construction (pure), engine adapter, image setup."""
