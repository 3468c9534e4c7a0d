package e2e

import "os/exec"

var execLookPath = exec.LookPath
