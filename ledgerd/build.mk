# ledgerd: the ledger node. Filled in by the ledgerd issue.
