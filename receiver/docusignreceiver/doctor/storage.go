// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package doctor // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/doctor"

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/checkup"
)

// fileStorageDefaultDir is file_storage's directory when none is set, on Linux and macOS.
const fileStorageDefaultDir = "/var/lib/otelcol/file_storage"

// storageFinding checks the storage extension the receiver names: configured, started by the service,
// and, for file_storage, a directory this user can write.
func storageFinding(conf *confmap.Conf, id *component.ID) checkup.Finding {
	if id == nil {
		return checkup.Finding{Status: checkup.Warn,
			Detail: "storage is not set: checkpoints live in memory, so a restart reads Monitor again from monitor.start_time (or now) and reports every user again",
			Fix:    "add a file_storage extension under extensions, list it in service.extensions, and name it in this receiver's storage key"}
	}
	name := id.String()
	extensions, _ := conf.Get("extensions").(map[string]any)
	if _, ok := extensions[name]; !ok {
		return checkup.Finding{Status: checkup.Fail,
			Detail: fmt.Sprintf("storage names %s, which is not configured under extensions", name),
			Fix:    fmt.Sprintf("add %s under extensions (e.g. file_storage with a directory) and list it in service.extensions", name)}
	}
	started, _ := conf.Get("service::extensions").([]any)
	if !slices.ContainsFunc(started, func(v any) bool { s, _ := v.(string); return s == name }) {
		return checkup.Finding{Status: checkup.Fail,
			Detail: fmt.Sprintf("%s is configured but not listed in service.extensions, so the collector never starts it", name),
			Fix:    fmt.Sprintf("add %s to service.extensions", name)}
	}
	if id.Type().String() != "file_storage" {
		return checkup.Finding{Status: checkup.OK, Detail: fmt.Sprintf("%s is configured and started (not a file_storage: its storage is not checked further)", name)}
	}
	dir, _ := conf.Get("extensions::" + name + "::directory").(string)
	if dir == "" {
		dir = fileStorageDefaultDir
	}
	create, _ := conf.Get("extensions::" + name + "::create_directory").(bool)
	return directoryFinding(name, dir, create)
}

// directoryFinding checks that dir can hold the checkpoint files, as the user running the doctor.
func directoryFinding(name, dir string, create bool) checkup.Finding {
	fix := fmt.Sprintf("create %s owned by the collector's user, mode 0700 (the inventory holds emails and names), or set create_directory: true", dir)
	info, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist) && create:
		parent := filepath.Dir(dir)
		for {
			if _, perr := os.Stat(parent); perr == nil || parent == filepath.Dir(parent) {
				break
			}
			parent = filepath.Dir(parent)
		}
		if werr := canWrite(parent); werr != nil {
			return checkup.Finding{Status: checkup.Fail, Detail: fmt.Sprintf("%s: directory %s does not exist and cannot be created: %v", name, dir, werr), Fix: fix}
		}
		return checkup.Finding{Status: checkup.OK, Detail: fmt.Sprintf("%s: directory %s will be created (create_directory)", name, dir)}
	case err != nil:
		return checkup.Finding{Status: checkup.Fail, Detail: fmt.Sprintf("%s: directory %s: %v", name, dir, errors.Unwrap(err)), Fix: fix}
	case !info.IsDir():
		return checkup.Finding{Status: checkup.Fail, Detail: fmt.Sprintf("%s: %s is not a directory", name, dir), Fix: fix}
	}
	if werr := canWrite(dir); werr != nil {
		return checkup.Finding{Status: checkup.Fail, Detail: fmt.Sprintf("%s: directory %s is not writable by this user: %v", name, dir, werr), Fix: fix}
	}
	return checkup.Finding{Status: checkup.OK, Detail: fmt.Sprintf("%s: directory %s is writable", name, dir)}
}

// canWrite creates and removes a file in dir.
func canWrite(dir string) error {
	f, err := os.CreateTemp(dir, ".docusign-doctor-*")
	if err != nil {
		return errors.Unwrap(err)
	}
	name := f.Name()
	_ = f.Close()
	return os.Remove(name)
}
