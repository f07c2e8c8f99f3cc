module tinykube

go 1.19
