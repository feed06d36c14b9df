"""The person (Client) and, later, their case records."""
