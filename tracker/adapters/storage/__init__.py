"""Storage adapter: SQLModel tables, engine set-up and the queries the service needs."""
