"""Resource interpreters: how hubless reads custom resources the Karmada way."""
