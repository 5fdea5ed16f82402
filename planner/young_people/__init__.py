"""Young people's records and who may see them."""
