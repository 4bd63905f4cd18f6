"""Status lists, pure: W3C Bitstring Status List (and Status List 2021) encode, decode, read."""

# The encoding is imported from service.status.bitstring.
__all__: list[str] = []
