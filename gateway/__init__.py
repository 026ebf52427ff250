"""The Marketing Graph Gateway: one GraphQL graph, five legacy REST surfaces."""
