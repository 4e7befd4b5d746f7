//go:build linux

package worker

import (
	"os/exec"
	"syscall"
)

// setProcAttr makes the kernel kill the child when its parent dies.
func setProcAttr(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
