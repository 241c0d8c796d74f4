module github.com/neuralem/neuralem

go 1.26.5

require (
	github.com/go-echarts/go-echarts/v2 v2.6.7 // indirect
	github.com/gomlx/compute v0.1.5 // indirect
	github.com/gomlx/gomlx v0.28.6 // indirect
	github.com/pkg/errors v0.9.1 // indirect
	golang.org/x/exp v0.0.0-20260410095643-746e56fc9e2f // indirect
	gonum.org/v1/gonum v0.17.0 // indirect
)
