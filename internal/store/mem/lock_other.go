//go:build !unix

package mem

type dirLock struct{}

// lockDir is a no-op where flock is unavailable.
func lockDir(string) (*dirLock, error) { return &dirLock{}, nil }

func (l *dirLock) release() error { return nil }
