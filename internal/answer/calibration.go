package answer

// defaultCalibration was fitted with `govchat calibrate` on the development
// splits only (testdata/questions/*.dev.jsonl, the earlier refusal sets in
// testdata/, and the even half of NCPQA by `--split dev`); docs/answers.md
// gives the commands. Features, in order: bias, title, body, partial, conflict, foreign, back, confidence, second, rival, answerable, support, aspect.
var defaultCalibration = Calibration{
	Right:   []float64{-0.093, 0.997, -0.127, 0.105, -0.064, -0.8, 1.206, 0.617, -1.515, -1.269, 0.316, 0.397, 0.077},
	InScope: []float64{-0.892, 0.946, 0.053, 0.058, 0.107, -1.17, 1.137, 1.36, -0.022, -0.226, 0.779, 0.768, 0.193},
	Passage: []float64{-0.551, 0.64, 0.281, 0.1, -0.286, -0.636, 0.66, 1.412, -0.814, 0.036, 1.105, 0.788, 0.511},
	Answer:  0.6,
	Clarify: 0.5,
	Quote:   0.4,
}
