# Host build of the crypto core (filled in by the secure-zone issue).
