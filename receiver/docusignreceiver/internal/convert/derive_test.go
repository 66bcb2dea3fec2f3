// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package convert

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestCompileRefusesBrokenMappings: a mapping the machinery cannot evaluate fails when the
// package is initialised, naming the rule, instead of converting records wrongly.
func TestCompileRefusesBrokenMappings(t *testing.T) {
	many := make([]rule, maxRules+1)
	for i := range many {
		many[i] = rule{keys: keys("k" + strconv.Itoa(i)), from: text("f")}
	}
	for name, m := range map[string]mapping{
		"an attribute twice":          {attrs: []rule{{keys: keys("a"), from: text("x")}, {keys: keys("a"), from: text("y")}}},
		"the conversion error":        {attrs: []rule{{keys: keys(AttrConversionError), from: text("x")}}},
		"no keys":                     {attrs: []rule{{from: text("x")}}},
		"no sources":                  {attrs: []rule{{keys: keys("a")}}},
		"types mixed":                 {attrs: []rule{{keys: keys("a"), from: text("x").or(coordinate("y", 90))}}},
		"text transform of a number":  {attrs: []rule{{keys: keys("a"), from: coordinate("y", 90), as: upperCased}}},
		"family of what is not an IP": {attrs: []rule{{keys: keys("a"), from: text("x"), as: ifIPv4}}},
		"too many rules":              {attrs: many},
		"an empty field name":         {attrs: []rule{{keys: keys("a"), from: text(".x")}}},
		"sorting what is not a list":  {attrs: []rule{{keys: keys("a"), from: text("x"), as: sortedOnce}}},
		"a text transform of a list":  {attrs: []rule{{keys: keys("a"), from: names("x", "y"), as: upperCased}}},
		"an actor no rule writes":     {actor: "a", attrs: []rule{{keys: keys("b"), from: text("x")}}},
		"an actor that is not text":   {actor: "a", attrs: []rule{{keys: keys("a"), from: boolean("x")}}},
		"a target that is not text":   {target: "a", attrs: []rule{{keys: keys("a"), from: names("x", "y")}}},
	} {
		assert.Panics(t, func() { compile(&m) }, name)
	}
	assert.NotPanics(t, func() { compile(&mapping{attrs: []rule{{keys: keys("a"), from: ipAddress("ip"), as: ifIPv6}}}) })
	assert.NotPanics(t, func() {
		compile(&mapping{actor: "a", target: "a", attrs: []rule{{keys: keys("a"), from: text("x")}, {keys: keys("b"), from: names("x", "y.z"), as: sortedOnce}}})
	})
}

// TestFieldSetFindsExactlyTheCapturedFields: every captured name is found at its index, whatever
// its hash collides with, and no other name is.
func TestFieldSetFindsExactlyTheCapturedFields(t *testing.T) {
	var s fieldSet
	var names []string
	for i := range fieldSetSize / 2 {
		n := "f" + strconv.Itoa(i%7) + "x" + strconv.Itoa(i) // same first byte, many equal lengths
		names = append(names, n)
		assert.Equal(t, i, s.add(n))
	}
	assert.Equal(t, 3, s.add(names[3]), "adding a name again finds it")
	for i, n := range names {
		assert.Equal(t, i, s.index(n), n)
	}
	for _, n := range []string{"", "f", "f0x", "f0x0 ", "F0x0", "f0x00", "timestamp"} {
		assert.Equal(t, -1, s.index(n), n)
	}
	assert.Panics(t, func() { s.add("one too many") })
}
