package charts

import (
	"math"
	"strings"
	"testing"
)

func TestErrorVsSNR(t *testing.T) {
	inf := math.Inf(1)
	series := []SNRSeries{
		{Name: "neural", SNR: []float64{10, 1, inf}, Error: []float64{0.05, 0.4, 0.01}},
		{Name: "B-spline", SNR: []float64{1, 3}, Error: []float64{0.45, 0.15}},
	}
	line, err := ErrorVsSNR("noise", "MAE ([0, 1] scale)", series, false)
	if err != nil {
		t.Fatal(err)
	}
	o := optionOf(t, line)
	x := o["xAxis"].([]any)[0].(map[string]any)
	cats := x["data"].([]any)
	if x["type"] != "category" || len(cats) != 4 || cats[0] != "1" || cats[1] != "3" || cats[2] != "10" || cats[3] != "∞" {
		t.Fatalf("x axis %v", x)
	}
	if !strings.Contains(x["name"].(string), "peak/σ") {
		t.Errorf("x axis name %v", x["name"])
	}
	ss := seriesOf(t, o)
	if len(ss) != 2 || ss[0]["name"] != "neural" || ss[1]["name"] != "B-spline" {
		t.Fatalf("series %v", ss)
	}
	want := [][]any{{0.4, "-", 0.05, 0.01}, {0.45, 0.15, "-", "-"}}
	for si, s := range ss {
		data := s["data"].([]any)
		for i, d := range data {
			v := d.(map[string]any)["value"]
			if v != want[si][i] {
				t.Errorf("series %d point %d = %v, want %v", si, i, v, want[si][i])
			}
		}
	}
	for name, tc := range map[string]struct {
		s    []SNRSeries
		logY bool
		want string
	}{
		"none":     {nil, false, "no series"},
		"empty":    {[]SNRSeries{{Name: "a"}}, false, "no points"},
		"mismatch": {[]SNRSeries{{Name: "a", SNR: []float64{1, 2}, Error: []float64{1}}}, false, "len(SNR)=2 != len(Error)=1"},
		"zero snr": {[]SNRSeries{{Name: "a", SNR: []float64{0}, Error: []float64{1}}}, false, "SNR[0] = 0"},
		"repeated": {[]SNRSeries{{Name: "a", SNR: []float64{2, 2}, Error: []float64{1, 1}}}, false, "SNR[1] = 2 is repeated"},
		"nan":      {[]SNRSeries{{Name: "a", SNR: []float64{2}, Error: []float64{math.NaN()}}}, false, "Error[0] = NaN"},
		"log zero": {[]SNRSeries{{Name: "a", SNR: []float64{2}, Error: []float64{0}}}, true, "positive and finite"},
	} {
		if _, err := ErrorVsSNR("t", "y", tc.s, tc.logY); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want it to contain %q", name, err, tc.want)
		}
	}
}
