// Checks gateway-envoy/envoy.yaml against Envoy's own v3 API without an Envoy binary: the YAML is
// read into the Bootstrap proto of go-control-plane (unknown fields and bad enum values fail), then
// every message, including each typed_config packed in an Any, runs Envoy's protoc-gen-validate rules.
// Keep the go-control-plane version in step with the Envoy image (gateway-envoy/Dockerfile).
//
//	go run ./gateway-envoy/validate gateway-envoy/envoy.yaml
package main

import (
	"fmt"
	"os"

	bootstrap "github.com/envoyproxy/go-control-plane/envoy/config/bootstrap/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/access_loggers/stream/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/buffer/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/cors/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/grpc_json_transcoder/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/grpc_web/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/health_check/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/router/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/formatter/req_without_query/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/upstreams/http/v3"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/anypb"
	"sigs.k8s.io/yaml"
)

type validator interface{ ValidateAll() error }

var problems []string
var typed = 0

// walk validates every message, including those packed in Any (typed_config), with Envoy's PGV rules.
func walk(m protoreflect.Message, path string) {
	if a, ok := m.Interface().(*anypb.Any); ok {
		inner, err := a.UnmarshalNew()
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", path, err))
			return
		}
		typed++
		if v, ok := inner.(validator); ok {
			if err := v.ValidateAll(); err != nil {
				problems = append(problems, fmt.Sprintf("%s (%s): %v", path, a.TypeUrl, err))
			}
		}
		walk(inner.ProtoReflect(), path+"<"+string(inner.ProtoReflect().Descriptor().FullName())+">")
		return
	}
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		p := path + "." + string(fd.Name())
		switch {
		case fd.IsList() && fd.Message() != nil:
			l := v.List()
			for i := 0; i < l.Len(); i++ {
				walk(l.Get(i).Message(), fmt.Sprintf("%s[%d]", p, i))
			}
		case fd.IsMap() && fd.MapValue().Message() != nil:
			v.Map().Range(func(k protoreflect.MapKey, mv protoreflect.Value) bool {
				walk(mv.Message(), fmt.Sprintf("%s[%s]", p, k.String()))
				return true
			})
		case fd.Message() != nil && !fd.IsList() && !fd.IsMap():
			walk(v.Message(), p)
		}
		return true
	})
}

func main() {
	raw, err := os.ReadFile(os.Args[1])
	if err != nil {
		panic(err)
	}
	js, err := yaml.YAMLToJSON(raw)
	if err != nil {
		fmt.Println("yaml:", err)
		os.Exit(1)
	}
	var b bootstrap.Bootstrap
	if err := (protojson.UnmarshalOptions{}).Unmarshal(js, &b); err != nil {
		fmt.Println("unmarshal:", err)
		os.Exit(1)
	}
	if err := b.ValidateAll(); err != nil {
		problems = append(problems, "bootstrap: "+err.Error())
	}
	walk(proto.Message(&b).ProtoReflect(), "bootstrap")
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Println(p)
		}
		os.Exit(1)
	}
	fmt.Printf("ok: %d typed configs validated\n", typed)
}
