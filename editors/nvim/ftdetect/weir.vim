" `.mlflow` files are Weir programs (require("weir").setup() says the same).
autocmd BufRead,BufNewFile *.mlflow setfiletype weir
