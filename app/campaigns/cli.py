import click


@click.group("campaigns", help="Assessment campaigns.")
def campaigns_cli() -> None:
    pass
