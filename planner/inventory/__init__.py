"""The inventory: provisions, places and vacancies, and where the service stands on a day."""
