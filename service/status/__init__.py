"""Status lists, pure: W3C Bitstring Status List (and Status List 2021) encode, decode, read."""
