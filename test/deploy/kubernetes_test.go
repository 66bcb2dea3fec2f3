// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

// Package deploy checks the deployment files under deploy/ offline: each Kubernetes manifest decodes
// strictly into its typed object, the properties the collector depends on hold, and the collector
// configurations they carry pass `otelcol-docusign validate` (`make test` sets OTELCOL_DOCUSIGN_BIN).
package deploy

import (
	"bytes"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"

	"github.com/otelcol-docusign/otelcol-docusign/test/testkit"
)

const (
	k8sManifestDir     = "../../deploy/kubernetes"
	k8sHelmValuesPath  = "../../deploy/helm/values.yaml"
	k8sCheckpointStore = "../../receiver/docusignreceiver/internal/checkpoint/store.go"
	// k8sSecretTemplate is the Secret with placeholders; kustomization.yaml must not list it.
	k8sSecretTemplate = "secret.example.yaml"
	k8sConfigKey      = "config.yaml"
	k8sFeatureGate    = "extension.healthcheck.useComponentStatus"
	// Measured by `make bench` (README "Who did it", BENCHMARKS.md): the receiver's peak heap during
	// a 1,000,000-event drain, and the users inventory of 100,000 users.
	k8sDrainHeapMiB     = 42
	k8sInventoryHeapMiB = 27
)

// k8sKustomization is the part of a kustomize Kustomization these manifests use; anything else in
// the file fails the strict decode.
type k8sKustomization struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Resources  []string `json:"resources"`
}

// k8sManifests holds every object of deploy/kubernetes, by kind.
type k8sManifests struct {
	kustomization   k8sKustomization
	serviceAccounts []corev1.ServiceAccount
	secrets         []corev1.Secret
	configMaps      []corev1.ConfigMap
	statefulSets    []appsv1.StatefulSet
	networkPolicies []networkingv1.NetworkPolicy
	files           []string // manifest files other than kustomization.yaml
}

// k8sStrict decodes YAML into v, failing on unknown or duplicate fields.
func k8sStrict(t *testing.T, what string, doc []byte, v any) {
	t.Helper()
	require.NoError(t, yaml.UnmarshalStrict(doc, v), "%s: strict decode into %T", what, v)
}

// k8sDocuments splits a multi-document YAML file, dropping empty documents.
func k8sDocuments(data []byte) [][]byte {
	var docs [][]byte
	for _, d := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(data), -1) {
		if strings.TrimSpace(regexp.MustCompile(`(?m)^\s*#.*$`).ReplaceAllString(d, "")) != "" {
			docs = append(docs, []byte(d))
		}
	}
	return docs
}

func k8sLoadManifests(t *testing.T) *k8sManifests {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(k8sManifestDir, "*.y*ml"))
	require.NoError(t, err)
	require.NotEmpty(t, paths, "no manifests in %s", k8sManifestDir)
	m := &k8sManifests{}
	for _, path := range paths {
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		name := filepath.Base(path)
		if name == "kustomization.yaml" {
			k8sStrict(t, name, data, &m.kustomization)
			continue
		}
		m.files = append(m.files, name)
		for i, doc := range k8sDocuments(data) {
			what := fmt.Sprintf("%s document %d", name, i+1)
			var tm metav1.TypeMeta
			require.NoError(t, yaml.Unmarshal(doc, &tm), what)
			switch tm.APIVersion + " " + tm.Kind {
			case "v1 ServiceAccount":
				var o corev1.ServiceAccount
				k8sStrict(t, what, doc, &o)
				m.serviceAccounts = append(m.serviceAccounts, o)
			case "v1 Secret":
				var o corev1.Secret
				k8sStrict(t, what, doc, &o)
				m.secrets = append(m.secrets, o)
			case "v1 ConfigMap":
				var o corev1.ConfigMap
				k8sStrict(t, what, doc, &o)
				m.configMaps = append(m.configMaps, o)
			case "apps/v1 StatefulSet":
				var o appsv1.StatefulSet
				k8sStrict(t, what, doc, &o)
				m.statefulSets = append(m.statefulSets, o)
			case "networking.k8s.io/v1 NetworkPolicy":
				var o networkingv1.NetworkPolicy
				k8sStrict(t, what, doc, &o)
				m.networkPolicies = append(m.networkPolicies, o)
			default:
				t.Fatalf("%s: unexpected object %q %q; teach test/deploy to decode it", what, tm.APIVersion, tm.Kind)
			}
		}
	}
	require.Len(t, m.serviceAccounts, 1, "ServiceAccounts")
	require.Len(t, m.secrets, 1, "Secrets")
	require.Len(t, m.configMaps, 1, "ConfigMaps")
	require.Len(t, m.statefulSets, 1, "StatefulSets")
	require.Len(t, m.networkPolicies, 1, "NetworkPolicies")
	return m
}

// k8sCollectorConfig is the collector configuration of the ConfigMap, decoded.
func (m *k8sManifests) k8sCollectorConfig(t *testing.T) (raw []byte, conf map[string]any) {
	t.Helper()
	text, ok := m.configMaps[0].Data[k8sConfigKey]
	require.True(t, ok, "ConfigMap has no %q", k8sConfigKey)
	require.NoError(t, yaml.Unmarshal([]byte(text), &conf))
	return []byte(text), conf
}

// k8sPath walks nested maps of a decoded collector configuration; it fails the test when a key is
// missing.
func k8sPath(t *testing.T, conf map[string]any, keys ...string) any {
	t.Helper()
	var cur any = conf
	for i, k := range keys {
		mm, ok := cur.(map[string]any)
		require.True(t, ok, "%s is not a map", strings.Join(keys[:i], "."))
		cur, ok = mm[k]
		require.True(t, ok, "config has no %s", strings.Join(keys[:i+1], "."))
	}
	return cur
}

func k8sLookup(conf map[string]any, keys ...string) (any, bool) {
	var cur any = conf
	for _, k := range keys {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = mm[k]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// k8sEndpointPort is the port of a host:port endpoint in the collector configuration.
func k8sEndpointPort(t *testing.T, endpoint any) int {
	t.Helper()
	s, ok := endpoint.(string)
	require.True(t, ok, "endpoint %v is not a string", endpoint)
	_, port, err := net.SplitHostPort(s)
	require.NoError(t, err, "endpoint %q", s)
	p, err := strconv.Atoi(port)
	require.NoError(t, err)
	return p
}

// k8sMiB reads a memory_limiter *_mib value as a quantity.
func k8sMiB(t *testing.T, v any) resource.Quantity {
	t.Helper()
	f, ok := v.(float64)
	require.True(t, ok, "%v is not a number", v)
	return *resource.NewQuantity(int64(f)*1024*1024, resource.BinarySI)
}

// k8sGoMemLimit parses a GOMEMLIMIT value ("400MiB").
func k8sGoMemLimit(t *testing.T, s string) resource.Quantity {
	t.Helper()
	q, err := resource.ParseQuantity(strings.TrimSuffix(s, "B"))
	require.NoError(t, err, "GOMEMLIMIT %q", s)
	return q
}

// k8sSaveTimeout reads checkpoint.SaveTimeout from the receiver's source (the package is internal).
func k8sSaveTimeout(t *testing.T) time.Duration {
	t.Helper()
	src, err := os.ReadFile(k8sCheckpointStore)
	require.NoError(t, err)
	m := regexp.MustCompile(`const SaveTimeout = (\d+) \* time\.(Second|Millisecond)`).FindSubmatch(src)
	require.NotNil(t, m, "SaveTimeout not found in %s", k8sCheckpointStore)
	n, err := strconv.Atoi(string(m[1]))
	require.NoError(t, err)
	if string(m[2]) == "Millisecond" {
		return time.Duration(n) * time.Millisecond
	}
	return time.Duration(n) * time.Second
}

// k8sHealthCheck describes the two health_check instances of a configuration: which port serves
// liveness (no component health) and which serves readiness (component health).
type k8sHealthCheck struct{ livenessPort, readinessPort int }

func k8sCheckHealthConfig(t *testing.T, conf map[string]any) k8sHealthCheck {
	t.Helper()
	exts := k8sPath(t, conf, "extensions").(map[string]any)
	var hc k8sHealthCheck
	for id := range exts {
		if id != "health_check" && !strings.HasPrefix(id, "health_check/") {
			continue
		}
		port := k8sEndpointPort(t, k8sPath(t, conf, "extensions", id, "http", "endpoint"))
		assert.Equal(t, "/", k8sPath(t, conf, "extensions", id, "http", "status", "path"), id)
		host, _, _ := net.SplitHostPort(k8sPath(t, conf, "extensions", id, "http", "endpoint").(string))
		assert.Equal(t, "0.0.0.0", host, "%s must listen on the pod's addresses for the kubelet", id)
		ch, has := k8sLookup(conf, "extensions", id, "component_health")
		if !has {
			assert.Zero(t, hc.livenessPort, "two health_check instances without component_health")
			hc.livenessPort = port
			continue
		}
		assert.Equal(t, true, ch.(map[string]any)["include_recoverable_errors"], "%s: readiness follows recoverable errors", id)
		_, hasRecovery := ch.(map[string]any)["recovery_duration"]
		assert.False(t, hasRecovery, "%s: a recovery_duration would be restarted by every failed poll and hide the error", id)
		assert.Zero(t, hc.readinessPort, "two health_check instances with component_health")
		hc.readinessPort = port
	}
	require.NotZero(t, hc.livenessPort, "no health_check without component_health (liveness)")
	require.NotZero(t, hc.readinessPort, "no health_check with component_health (readiness)")
	assert.Equal(t, 13133, hc.livenessPort, "liveness on the health_check default port")
	return hc
}

// k8sCheckProbeHTTP asserts that a probe is an HTTP GET of / on port.
func k8sCheckProbeHTTP(t *testing.T, name string, p *corev1.Probe, port int) {
	t.Helper()
	require.NotNil(t, p, name)
	require.NotNil(t, p.HTTPGet, "%s is not an HTTP probe", name)
	assert.Equal(t, port, p.HTTPGet.Port.IntValue(), "%s port", name)
	assert.Equal(t, "/", p.HTTPGet.Path, "%s path", name)
}

func k8sRSAKeyFile(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "docusign.pem")
	require.NoError(t, os.WriteFile(path, rsaKeyPEM(t), 0o600))
	return path
}

var k8sEnvRef = regexp.MustCompile(`\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}`)

// k8sValidate runs `otelcol-docusign validate` on config with the feature gates of args, every
// ${env:…} it references set to a dummy value, and the receiver's key file replaced by a generated
// key (validate reads it). It returns the combined output and whether validation passed.
func k8sValidate(t *testing.T, bin string, config []byte, args []string) (string, bool) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "config.yaml")
	require.NoError(t, os.WriteFile(path, config, 0o600))
	cmdArgs := []string{"validate", "--config=" + path,
		"--set=receivers::docusign::private_key_file=" + k8sRSAKeyFile(t, dir)}
	for _, a := range args {
		if strings.HasPrefix(a, "--feature-gates") {
			cmdArgs = append(cmdArgs, a)
		}
	}
	cmd := exec.Command(bin, cmdArgs...)
	cmd.Env = os.Environ()
	for i, m := range k8sEnvRef.FindAllSubmatch(config, -1) {
		cmd.Env = append(cmd.Env, fmt.Sprintf("%s=00000000-0000-0000-0000-%012d", m[1], i+1))
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if err != nil {
		var exitErr *exec.ExitError
		require.ErrorAs(t, err, &exitErr, "running %s", bin)
	}
	return out.String(), err == nil
}

// k8sCheckCollectorValidates validates config with args, and checks that without the feature gate
// the health endpoints are refused (so the gate in args is what makes it valid).
func k8sCheckCollectorValidates(t *testing.T, config []byte, args []string) {
	t.Helper()
	bin := testkit.CollectorBinary(t)
	out, ok := k8sValidate(t, bin, config, args)
	assert.True(t, ok, "otelcol-docusign validate failed:\n%s", out)
	out, ok = k8sValidate(t, bin, config, nil)
	assert.False(t, ok, "validate passed without the feature gate")
	assert.Contains(t, out, k8sFeatureGate)
}

func TestK8sManifestsDecodeStrictly(t *testing.T) {
	m := k8sLoadManifests(t)
	for _, o := range []metav1.ObjectMeta{m.serviceAccounts[0].ObjectMeta, m.secrets[0].ObjectMeta,
		m.configMaps[0].ObjectMeta, m.statefulSets[0].ObjectMeta, m.networkPolicies[0].ObjectMeta} {
		assert.Empty(t, o.Namespace, "%s: manifests are namespace-agnostic", o.Name)
	}
}

func TestK8sKustomizationListsTheManifests(t *testing.T) {
	m := k8sLoadManifests(t)
	k := m.kustomization
	assert.Equal(t, "kustomize.config.k8s.io/v1beta1", k.APIVersion)
	assert.Equal(t, "Kustomization", k.Kind)
	var want []string
	for _, f := range m.files {
		if f != k8sSecretTemplate {
			want = append(want, f)
		}
	}
	got := append([]string(nil), k.Resources...)
	sort.Strings(got)
	sort.Strings(want)
	assert.Equal(t, want, got, "kustomization resources: every manifest but the Secret template")
}

func TestK8sSecretHoldsPlaceholdersOnly(t *testing.T) {
	s := k8sLoadManifests(t).secrets[0]
	assert.Empty(t, s.Data, "no base64 data: placeholders go in stringData")
	for _, key := range []string{"integration-key", "user-id", "organization-id", "account-id", "private-key.pem"} {
		v, ok := s.StringData[key]
		if assert.True(t, ok, "Secret template has no %q", key) {
			assert.Contains(t, v, "REPLACE_WITH_", "%s must be a placeholder", key)
		}
	}
	for key, v := range s.StringData {
		block, _ := pem.Decode([]byte(v))
		assert.Nil(t, block, "%s holds a PEM block; the template must hold placeholders only", key)
	}
}

func TestK8sStatefulSet(t *testing.T) {
	m := k8sLoadManifests(t)
	sts := m.statefulSets[0]
	_, conf := m.k8sCollectorConfig(t)
	pod := sts.Spec.Template.Spec

	// One active instance per DocuSign organisation.
	require.NotNil(t, sts.Spec.Replicas)
	assert.EqualValues(t, 1, *sts.Spec.Replicas)
	assert.Equal(t, appsv1.ParallelPodManagement, sts.Spec.PodManagementPolicy,
		"OrderedReady would keep a NotReady pod from being replaced by a fixed template")
	assert.Equal(t, sts.Spec.Selector.MatchLabels, k8sSubset(sts.Spec.Template.Labels, sts.Spec.Selector.MatchLabels))

	// No API token.
	sa := m.serviceAccounts[0]
	assert.Equal(t, sa.Name, pod.ServiceAccountName)
	require.NotNil(t, sa.AutomountServiceAccountToken)
	assert.False(t, *sa.AutomountServiceAccountToken)
	if pod.AutomountServiceAccountToken != nil {
		assert.False(t, *pod.AutomountServiceAccountToken)
	}

	require.Len(t, pod.Containers, 1)
	c := pod.Containers[0]
	assert.Equal(t, "otelcol-docusign:0.1.0", c.Image)
	assert.Equal(t, []string{"/otelcol-docusign"}, c.Command)
	assert.Contains(t, c.Args, "--config=/etc/otelcol-docusign/config.yaml")
	assert.Contains(t, c.Args, "--feature-gates=+"+k8sFeatureGate)

	// Grace period: longer than a checkpoint save plus the export in flight.
	require.NotNil(t, pod.TerminationGracePeriodSeconds)
	exportTimeout := 5 * time.Second // exporterhelper's default
	for id := range k8sPath(t, conf, "exporters").(map[string]any) {
		if v, ok := k8sLookup(conf, "exporters", id, "timeout"); ok {
			d, err := time.ParseDuration(v.(string))
			require.NoError(t, err)
			exportTimeout = max(exportTimeout, d)
		}
	}
	grace := time.Duration(*pod.TerminationGracePeriodSeconds) * time.Second
	assert.Greater(t, grace, k8sSaveTimeout(t)+exportTimeout, "terminationGracePeriodSeconds")

	// Probes on the health_check endpoints of the config.
	hc := k8sCheckHealthConfig(t, conf)
	k8sCheckProbeHTTP(t, "livenessProbe", c.LivenessProbe, hc.livenessPort)
	k8sCheckProbeHTTP(t, "readinessProbe", c.ReadinessProbe, hc.readinessPort)
	if c.StartupProbe != nil {
		k8sCheckProbeHTTP(t, "startupProbe", c.StartupProbe, hc.livenessPort)
	}

	// Restricted security context.
	psc := pod.SecurityContext
	require.NotNil(t, psc)
	require.NotNil(t, psc.RunAsNonRoot)
	assert.True(t, *psc.RunAsNonRoot)
	require.NotNil(t, psc.RunAsUser)
	assert.EqualValues(t, 10001, *psc.RunAsUser)
	require.NotNil(t, psc.FSGroup, "fsGroup makes the volume writable for uid 10001")
	assert.EqualValues(t, 10001, *psc.FSGroup)
	require.NotNil(t, psc.SeccompProfile)
	assert.Equal(t, corev1.SeccompProfileTypeRuntimeDefault, psc.SeccompProfile.Type)
	k8sCheckContainerSecurity(t, c.SecurityContext)

	// Resources from the measured memory; memory_limiter and GOMEMLIMIT below the container limit.
	k8sCheckResources(t, c.Resources, conf, k8sEnvValue(c.Env, "GOMEMLIMIT"))

	// Every ${env:…} of the config is set, from the Secret template's keys.
	raw, _ := m.k8sCollectorConfig(t)
	secret := m.secrets[0]
	for _, ref := range k8sEnvRef.FindAllStringSubmatch(string(raw), -1) {
		ev := k8sFindEnv(c.Env, ref[1])
		if !assert.NotNil(t, ev, "the config references ${env:%s}, the container does not set it", ref[1]) {
			continue
		}
		if ev.ValueFrom != nil && ev.ValueFrom.SecretKeyRef != nil {
			assert.Equal(t, secret.Name, ev.ValueFrom.SecretKeyRef.Name, ref[1])
			assert.Contains(t, secret.StringData, ev.ValueFrom.SecretKeyRef.Key, ref[1])
		}
	}

	// Volumes: the config, the key file, the storage directory.
	mounts := map[string]corev1.VolumeMount{}
	for _, vm := range c.VolumeMounts {
		mounts[vm.Name] = vm
	}
	volumes := map[string]corev1.Volume{}
	for _, v := range pod.Volumes {
		volumes[v.Name] = v
	}
	k8sCheckKeyMount(t, conf, mounts, volumes, secret.Name)
	cfgVolume := ""
	for name, v := range volumes {
		if v.ConfigMap != nil && v.ConfigMap.Name == m.configMaps[0].Name {
			cfgVolume = name
		}
	}
	require.NotEmpty(t, cfgVolume, "no volume of the ConfigMap")
	assert.Equal(t, "/etc/otelcol-docusign/config.yaml", mounts[cfgVolume].MountPath)
	assert.Equal(t, k8sConfigKey, mounts[cfgVolume].SubPath)

	require.Len(t, sts.Spec.VolumeClaimTemplates, 1)
	pvc := sts.Spec.VolumeClaimTemplates[0]
	assert.Contains(t, pvc.Spec.AccessModes, corev1.ReadWriteOnce)
	assert.False(t, pvc.Spec.Resources.Requests.Storage().IsZero(), "storage request")
	require.Contains(t, mounts, pvc.Name, "the volumeClaimTemplate is not mounted")
	assert.False(t, mounts[pvc.Name].ReadOnly)
	k8sCheckStorage(t, conf, mounts[pvc.Name].MountPath)
}

func k8sSubset(labels, keys map[string]string) map[string]string {
	out := map[string]string{}
	for k := range keys {
		if v, ok := labels[k]; ok {
			out[k] = v
		}
	}
	return out
}

func k8sFindEnv(env []corev1.EnvVar, name string) *corev1.EnvVar {
	for i := range env {
		if env[i].Name == name {
			return &env[i]
		}
	}
	return nil
}

func k8sEnvValue(env []corev1.EnvVar, name string) string {
	if ev := k8sFindEnv(env, name); ev != nil {
		return ev.Value
	}
	return ""
}

func k8sCheckContainerSecurity(t *testing.T, sc *corev1.SecurityContext) {
	t.Helper()
	require.NotNil(t, sc, "container securityContext")
	require.NotNil(t, sc.RunAsNonRoot)
	assert.True(t, *sc.RunAsNonRoot)
	require.NotNil(t, sc.RunAsUser)
	assert.EqualValues(t, 10001, *sc.RunAsUser)
	require.NotNil(t, sc.ReadOnlyRootFilesystem)
	assert.True(t, *sc.ReadOnlyRootFilesystem)
	require.NotNil(t, sc.AllowPrivilegeEscalation)
	assert.False(t, *sc.AllowPrivilegeEscalation)
	if sc.Privileged != nil {
		assert.False(t, *sc.Privileged)
	}
	require.NotNil(t, sc.Capabilities)
	assert.Equal(t, []corev1.Capability{"ALL"}, sc.Capabilities.Drop)
	assert.Empty(t, sc.Capabilities.Add)
	require.NotNil(t, sc.SeccompProfile)
	assert.Equal(t, corev1.SeccompProfileTypeRuntimeDefault, sc.SeccompProfile.Type)
}

// k8sCheckResources: requests and limits set; the request covers twice the measured live heap (the
// GC's headroom at GOGC=100); memory_limiter's soft and hard limits, then GOMEMLIMIT when set, lie
// below the container's memory limit.
func k8sCheckResources(t *testing.T, r corev1.ResourceRequirements, conf map[string]any, goMemLimit string) {
	t.Helper()
	for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		assert.Contains(t, r.Requests, name, "requests.%s", name)
	}
	require.Contains(t, r.Limits, corev1.ResourceMemory, "limits.memory")
	memRequest, memLimit := r.Requests[corev1.ResourceMemory], r.Limits[corev1.ResourceMemory]
	live := *resource.NewQuantity(2*(k8sDrainHeapMiB+k8sInventoryHeapMiB)*1024*1024, resource.BinarySI)
	assert.GreaterOrEqual(t, memRequest.Cmp(live), 0, "memory request %s below twice the measured heap %s", memRequest.String(), live.String())
	assert.LessOrEqual(t, memRequest.Cmp(memLimit), 0, "memory request above the limit")

	processors := k8sPath(t, conf, "service", "pipelines", "logs", "processors").([]any)
	require.NotEmpty(t, processors)
	assert.Equal(t, "memory_limiter", processors[0], "memory_limiter first in the logs pipeline")
	hard := k8sMiB(t, k8sPath(t, conf, "processors", "memory_limiter", "limit_mib"))
	spike := k8sMiB(t, k8sPath(t, conf, "processors", "memory_limiter", "spike_limit_mib"))
	assert.Positive(t, spike.Cmp(resource.Quantity{}), "spike_limit_mib")
	assert.Negative(t, spike.Cmp(hard), "spike_limit_mib below limit_mib")
	assert.Negative(t, hard.Cmp(memLimit), "memory_limiter limit_mib %s not below the container limit %s", hard.String(), memLimit.String())
	if goMemLimit != "" {
		gml := k8sGoMemLimit(t, goMemLimit)
		assert.GreaterOrEqual(t, gml.Cmp(hard), 0, "GOMEMLIMIT below memory_limiter's limit")
		assert.Negative(t, gml.Cmp(memLimit), "GOMEMLIMIT not below the container limit")
	}
}

// k8sCheckKeyMount: private_key_file lies in a read-only mount of the Secret's private-key.pem,
// readable by group 10001 only.
func k8sCheckKeyMount(t *testing.T, conf map[string]any, mounts map[string]corev1.VolumeMount, volumes map[string]corev1.Volume, secretName string) {
	t.Helper()
	keyFile := k8sPath(t, conf, "receivers", "docusign", "private_key_file").(string)
	_, hasInline := k8sLookup(conf, "receivers", "docusign", "private_key")
	assert.False(t, hasInline, "the key comes from the mounted file, not the environment")
	for name, v := range volumes {
		if v.Secret == nil || v.Secret.SecretName != secretName {
			continue
		}
		vm, ok := mounts[name]
		require.True(t, ok, "Secret volume %s not mounted", name)
		assert.True(t, vm.ReadOnly)
		require.Len(t, v.Secret.Items, 1, "mount only the key")
		assert.Equal(t, "private-key.pem", v.Secret.Items[0].Key)
		assert.Equal(t, keyFile, filepath.Join(vm.MountPath, v.Secret.Items[0].Path))
		require.NotNil(t, v.Secret.DefaultMode)
		assert.Equal(t, int32(0o440), *v.Secret.DefaultMode)
		return
	}
	t.Errorf("no volume of Secret %s holds private_key_file %s", secretName, keyFile)
}

// k8sCheckStorage: the receiver's checkpoints and the exporter's queue use file_storage in dir.
func k8sCheckStorage(t *testing.T, conf map[string]any, dir string) {
	t.Helper()
	storage := k8sPath(t, conf, "receivers", "docusign", "storage").(string)
	assert.Equal(t, dir, k8sPath(t, conf, "extensions", storage, "directory"), "file_storage directory on the volume")
	if c, ok := k8sLookup(conf, "extensions", storage, "compaction", "directory"); ok {
		assert.Equal(t, dir, c, "compaction needs a writable directory; the root filesystem is read-only")
	}
	assert.Contains(t, k8sPath(t, conf, "service", "extensions"), storage)
	for id := range k8sPath(t, conf, "exporters").(map[string]any) {
		assert.Equal(t, storage, k8sPath(t, conf, "exporters", id, "sending_queue", "storage"),
			"%s: a persistent queue keeps accepted pages across restarts", id)
	}
}

func TestK8sNetworkPolicyIsEgressOnly(t *testing.T) {
	m := k8sLoadManifests(t)
	_, conf := m.k8sCollectorConfig(t)
	k8sCheckNetworkPolicy(t, m.networkPolicies[0], m.statefulSets[0].Spec.Template.Labels, conf)
}

func k8sCheckNetworkPolicy(t *testing.T, np networkingv1.NetworkPolicy, podLabels map[string]string, conf map[string]any) {
	t.Helper()
	if podLabels != nil {
		for k, v := range np.Spec.PodSelector.MatchLabels {
			assert.Equal(t, v, podLabels[k], "podSelector %s does not select the collector's pod", k)
		}
	}
	assert.NotEmpty(t, np.Spec.PodSelector.MatchLabels, "an empty podSelector selects every pod of the namespace")
	assert.ElementsMatch(t, []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress}, np.Spec.PolicyTypes)
	assert.Empty(t, np.Spec.Ingress, "no ingress is allowed")

	allowed := map[string]bool{}
	for _, rule := range np.Spec.Egress {
		assert.NotEmpty(t, rule.Ports, "an egress rule without ports allows every port")
		assert.NotEmpty(t, rule.To, "an egress rule without peers allows every destination")
		for _, p := range rule.Ports {
			require.NotNil(t, p.Port)
			proto := corev1.ProtocolTCP
			if p.Protocol != nil {
				proto = *p.Protocol
			}
			allowed[fmt.Sprintf("%s/%d", proto, p.Port.IntValue())] = true
		}
	}
	for _, want := range []string{"UDP/53", "TCP/53", "TCP/443"} {
		assert.True(t, allowed[want], "egress %s not allowed", want)
	}
	for id := range k8sPath(t, conf, "exporters").(map[string]any) {
		endpoint := k8sPath(t, conf, "exporters", id, "endpoint").(string)
		port := 443
		if !strings.Contains(endpoint, "://") {
			port = k8sEndpointPort(t, endpoint)
		}
		assert.True(t, allowed[fmt.Sprintf("TCP/%d", port)], "egress to the %s endpoint's port %d not allowed", id, port)
	}
}

func TestK8sConfigMapCollectorConfigValidates(t *testing.T) {
	m := k8sLoadManifests(t)
	raw, _ := m.k8sCollectorConfig(t)
	k8sCheckCollectorValidates(t, raw, m.statefulSets[0].Spec.Template.Spec.Containers[0].Args)
}

// k8sHelmProbe is the chart's probe values (its values.schema.json allows these keys only).
type k8sHelmProbe struct {
	InitialDelaySeconds           int32 `json:"initialDelaySeconds,omitempty"`
	PeriodSeconds                 int32 `json:"periodSeconds,omitempty"`
	TimeoutSeconds                int32 `json:"timeoutSeconds,omitempty"`
	SuccessThreshold              int32 `json:"successThreshold,omitempty"`
	FailureThreshold              int32 `json:"failureThreshold,omitempty"`
	TerminationGracePeriodSeconds int64 `json:"terminationGracePeriodSeconds,omitempty"`
	HTTPGet                       struct {
		Port int    `json:"port"`
		Path string `json:"path"`
	} `json:"httpGet"`
}

func (p k8sHelmProbe) probe() *corev1.Probe {
	return &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
		Path: p.HTTPGet.Path, Port: intstr.FromInt(p.HTTPGet.Port)}}}
}

// k8sHelmValues holds the keys deploy/helm/values.yaml may use, named as in the opentelemetry-collector
// chart's values.schema.json; a key outside it fails the strict decode, as the chart's schema would.
type k8sHelmValues struct {
	Mode         string `json:"mode"`
	ReplicaCount int    `json:"replicaCount"`
	Autoscaling  struct {
		Enabled bool `json:"enabled"`
	} `json:"autoscaling"`
	Statefulset struct {
		PodManagementPolicy  appsv1.PodManagementPolicyType `json:"podManagementPolicy"`
		VolumeClaimTemplates []corev1.PersistentVolumeClaim `json:"volumeClaimTemplates"`
	} `json:"statefulset"`
	Image struct {
		Repository string            `json:"repository"`
		Tag        string            `json:"tag"`
		PullPolicy corev1.PullPolicy `json:"pullPolicy"`
	} `json:"image"`
	Command struct {
		Name      string   `json:"name"`
		ExtraArgs []string `json:"extraArgs"`
	} `json:"command"`
	ServiceAccount struct {
		Create                       bool  `json:"create"`
		AutomountServiceAccountToken *bool `json:"automountServiceAccountToken"`
	} `json:"serviceAccount"`
	Service struct {
		Enabled bool `json:"enabled"`
	} `json:"service"`
	Ports map[string]struct {
		Enabled bool `json:"enabled"`
	} `json:"ports"`
	PodSecurityContext corev1.PodSecurityContext   `json:"podSecurityContext"`
	SecurityContext    corev1.SecurityContext      `json:"securityContext"`
	Resources          corev1.ResourceRequirements `json:"resources"`
	UseGOMEMLIMIT      bool                        `json:"useGOMEMLIMIT"`
	ExtraEnvs          []corev1.EnvVar             `json:"extraEnvs"`
	ExtraVolumes       []corev1.Volume             `json:"extraVolumes"`
	ExtraVolumeMounts  []corev1.VolumeMount        `json:"extraVolumeMounts"`
	StartupProbe       *k8sHelmProbe               `json:"startupProbe"`
	LivenessProbe      k8sHelmProbe                `json:"livenessProbe"`
	ReadinessProbe     k8sHelmProbe                `json:"readinessProbe"`
	NetworkPolicy      struct {
		Enabled bool `json:"enabled"`
	} `json:"networkPolicy"`
	ExtraManifests  []json.RawMessage `json:"extraManifests"`
	AlternateConfig map[string]any    `json:"alternateConfig"`
}

func TestK8sHelmValues(t *testing.T) {
	data, err := os.ReadFile(k8sHelmValuesPath)
	require.NoError(t, err)
	var v k8sHelmValues
	k8sStrict(t, k8sHelmValuesPath, data, &v)
	conf := v.AlternateConfig
	require.NotEmpty(t, conf, "alternateConfig")

	assert.Equal(t, "statefulset", v.Mode)
	assert.Equal(t, 1, v.ReplicaCount)
	assert.False(t, v.Autoscaling.Enabled)
	assert.Equal(t, appsv1.ParallelPodManagement, v.Statefulset.PodManagementPolicy)
	assert.Equal(t, "otelcol-docusign", v.Image.Repository)
	assert.Equal(t, "0.1.0", v.Image.Tag)
	assert.Equal(t, "otelcol-docusign", v.Command.Name, "the chart runs /<command.name>")
	assert.Contains(t, v.Command.ExtraArgs, "--feature-gates=+"+k8sFeatureGate)
	require.NotNil(t, v.ServiceAccount.AutomountServiceAccountToken)
	assert.False(t, *v.ServiceAccount.AutomountServiceAccountToken)
	assert.False(t, v.Service.Enabled, "nothing connects to the collector")
	for name, p := range v.Ports {
		assert.False(t, p.Enabled, "port %s opened", name)
	}

	// The same configuration as the ConfigMap: one source of truth for both ways to deploy.
	m := k8sLoadManifests(t)
	_, cmConf := m.k8sCollectorConfig(t)
	assert.Equal(t, cmConf, conf, "alternateConfig differs from deploy/kubernetes/configmap.yaml")

	hc := k8sCheckHealthConfig(t, conf)
	k8sCheckProbeHTTP(t, "livenessProbe", v.LivenessProbe.probe(), hc.livenessPort)
	k8sCheckProbeHTTP(t, "readinessProbe", v.ReadinessProbe.probe(), hc.readinessPort)
	if v.StartupProbe != nil {
		k8sCheckProbeHTTP(t, "startupProbe", v.StartupProbe.probe(), hc.livenessPort)
	}

	psc := v.PodSecurityContext
	require.NotNil(t, psc.RunAsNonRoot)
	assert.True(t, *psc.RunAsNonRoot)
	require.NotNil(t, psc.RunAsUser)
	assert.EqualValues(t, 10001, *psc.RunAsUser)
	require.NotNil(t, psc.FSGroup)
	assert.EqualValues(t, 10001, *psc.FSGroup)
	require.NotNil(t, psc.SeccompProfile)
	assert.Equal(t, corev1.SeccompProfileTypeRuntimeDefault, psc.SeccompProfile.Type)
	k8sCheckContainerSecurity(t, &v.SecurityContext)

	// The chart sets GOMEMLIMIT to 80 % of the memory limit when useGOMEMLIMIT is on.
	goMemLimit := ""
	if v.UseGOMEMLIMIT {
		limit := v.Resources.Limits[corev1.ResourceMemory]
		goMemLimit = fmt.Sprintf("%dMiB", limit.Value()*8/10/(1024*1024))
	}
	k8sCheckResources(t, v.Resources, conf, goMemLimit)

	secret := m.secrets[0]
	for _, ref := range k8sEnvRef.FindAllStringSubmatch(k8sMustYAML(t, conf), -1) {
		ev := k8sFindEnv(v.ExtraEnvs, ref[1])
		if assert.NotNil(t, ev, "alternateConfig references ${env:%s}, extraEnvs does not set it", ref[1]) &&
			ev.ValueFrom != nil && ev.ValueFrom.SecretKeyRef != nil {
			assert.Equal(t, secret.Name, ev.ValueFrom.SecretKeyRef.Name)
			assert.Contains(t, secret.StringData, ev.ValueFrom.SecretKeyRef.Key)
		}
	}
	mounts := map[string]corev1.VolumeMount{}
	for _, vm := range v.ExtraVolumeMounts {
		mounts[vm.Name] = vm
	}
	volumes := map[string]corev1.Volume{}
	for _, vol := range v.ExtraVolumes {
		volumes[vol.Name] = vol
	}
	k8sCheckKeyMount(t, conf, mounts, volumes, secret.Name)
	require.Len(t, v.Statefulset.VolumeClaimTemplates, 1)
	pvc := v.Statefulset.VolumeClaimTemplates[0]
	require.Contains(t, mounts, pvc.Name, "the volumeClaimTemplate is not mounted (extraVolumeMounts)")
	k8sCheckStorage(t, conf, mounts[pvc.Name].MountPath)

	// The egress-only policy comes through extraManifests; the chart's own would allow all ingress.
	assert.False(t, v.NetworkPolicy.Enabled)
	var policies int
	for i, raw := range v.ExtraManifests {
		var tm metav1.TypeMeta
		require.NoError(t, json.Unmarshal(raw, &tm))
		require.Equal(t, "NetworkPolicy", tm.Kind, "extraManifests[%d]", i)
		var np networkingv1.NetworkPolicy
		k8sStrict(t, fmt.Sprintf("extraManifests[%d]", i), raw, &np)
		k8sCheckNetworkPolicy(t, np, nil, conf)
		policies++
	}
	assert.Equal(t, 1, policies, "one NetworkPolicy in extraManifests")
}

func TestK8sHelmCollectorConfigValidates(t *testing.T) {
	data, err := os.ReadFile(k8sHelmValuesPath)
	require.NoError(t, err)
	var v k8sHelmValues
	k8sStrict(t, k8sHelmValuesPath, data, &v)
	k8sCheckCollectorValidates(t, []byte(k8sMustYAML(t, v.AlternateConfig)), v.Command.ExtraArgs)
}

func k8sMustYAML(t *testing.T, v any) string {
	t.Helper()
	out, err := yaml.Marshal(v)
	require.NoError(t, err)
	return string(out)
}
