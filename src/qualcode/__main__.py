"""python -m qualcode"""

from .cli import main

main()
