module kchan

go 1.19
