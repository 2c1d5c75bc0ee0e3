"""Everything hubless keeps under rendered/.hubless/: each path once (`paths`), the
placement record, the manifest, the hash cache, the lock and the transaction."""
