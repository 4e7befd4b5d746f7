package answer

// defaultCalibration was fitted with `govchat calibrate` on the development
// splits only (testdata/questions/*.dev.jsonl, the earlier refusal sets in
// testdata/, and the even half of NCPQA by `--split dev`); docs/answers.md
// gives the commands. Features, in order: bias, title, body, partial, conflict, foreign, back, confidence, second, rival, answerable, support, aspect, association, association_rival.
var defaultCalibration = Calibration{
	Right:     []float64{-0.55, 0.63, -0.156, 0.152, 0.101, -0.561, 1.172, 0.873, -1.41, -1.047, 0.356, 0.308, 0.194, 0.63, -0.222},
	InScope:   []float64{-1.051, 0.752, 0.061, 0.167, 0.1, -0.991, 1.015, 1.222, -0.332, 0.032, 0.858, 0.637, 0.082, 1.045, 0.226},
	Passage:   []float64{-0.686, 0.517, 0.268, 0.106, -0.29, -0.494, 0.56, 1.053, -0.996, 0.007, 1.208, 0.589, 0.215, 0.841, -0.456},
	Answer:    0.6,
	Tentative: 0.5,
	Clarify:   0.5,
	Quote:     0.4,
}
