"""Platform-wide capabilities: operation records (操作留痕), event relay, operations views."""
