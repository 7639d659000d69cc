"""The public tracking paths of simulations (`/p/<token>/…`): their own light request
handler, the hits and their scanner signals, the landing and teachable pages."""
