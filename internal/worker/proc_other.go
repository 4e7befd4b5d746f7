//go:build !linux

package worker

import "os/exec"

func setProcAttr(*exec.Cmd) {}
