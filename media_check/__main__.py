from media_check.cli import main

main()
