from pyovn.cli.main import main

main()
