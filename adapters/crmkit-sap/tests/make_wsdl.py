# ruff: noqa: E501 - the WSDL text is written as SAP writes it, one long line per element
"""Write the two WSDL fixtures from ``sap_signatures``: ``python tests/make_wsdl.py``.

``wsdl/zcrmkit_crm_mc_style.wsdl`` is shaped like a SOAMANAGER binding WSDL of a service
definition made from the four BAPIs (mixed-case names, types split over the
``rfc:functions`` and ``soap:functions:mc-style`` namespaces, ``wsp:Policy`` blocks, SOAP 1.1
and 1.2 bindings, request part ``parameters`` and response part ``parameter``).
``wsdl/bapi_rfc_style.wsdl`` is shaped like the RFC SOAP handler's
``/sap/bc/soap/wsdl11?services=...`` answer (upper-case names, ``.Response`` elements).
Both name an internal host the tests cannot reach, as real ones do.
"""

from __future__ import annotations

import re
from pathlib import Path

from sap_signatures import FUNCTIONS, STRUCTURES, mc_name

RFC_NS = "urn:sap-com:document:sap:rfc:functions"
MC_NS = "urn:sap-com:document:sap:soap:functions:mc-style"
HERE = Path(__file__).parent / "wsdl"
SERVICE = "ZCRMKIT_CRM"
MC_ADDRESS = (
    "http://sapecc01.corp.example:8000/sap/bc/srt/rfc/sap/zcrmkit_crm/100/zcrmkit_crm/zcrmkit_crm"
)
OPTIONAL = ' minOccurs="0"'
RFC_ADDRESS = "http://sapecc01.corp.example:8000/sap/bc/soap/rfc"


def _simple_name(code: str) -> str:
    if code == "int":
        return "xsd:int"
    kind, size = re.match(r"([a-z]+)([\d.]*)", code).groups()
    return {
        "c": f"char{size}",
        "n": f"numeric{size}",
        "d": "date10",
        "t": "time",
        "q": f"quantum{size}",
        "p": f"curr{size}",
        "dec": f"decimal{size}",
        "cuky": "cuky5",
        "unit": "unit3",
    }[kind]


def _simple_types(codes: set[str], *, mc: bool) -> str:
    out = []
    for code in sorted(codes):
        if code == "int":
            continue
        name = _simple_name(code)
        if mc and name in {"date10", "time"}:
            continue
        kind, size = re.match(r"([a-z]+)([\d.]*)", code).groups()
        if kind in {"c", "cuky", "unit"}:
            length = size or ("5" if kind == "cuky" else "3")
            body = f'<xsd:restriction base="xsd:string"><xsd:maxLength value="{length}"/></xsd:restriction>'
        elif kind == "n":
            body = (
                f'<xsd:restriction base="xsd:string"><xsd:maxLength value="{size}"/>'
                '<xsd:pattern value="\\d*"/></xsd:restriction>'
            )
        elif kind == "d":
            body = (
                '<xsd:restriction base="xsd:string"><xsd:maxLength value="10"/>'
                '<xsd:pattern value="\\d\\d\\d\\d-\\d\\d-\\d\\d"/></xsd:restriction>'
            )
        elif kind == "t":
            body = (
                '<xsd:restriction base="xsd:time">'
                '<xsd:pattern value="\\d\\d:\\d\\d:\\d\\d"/></xsd:restriction>'
            )
        else:
            digits, _, fraction = size.partition(".")
            body = (
                f'<xsd:restriction base="xsd:decimal"><xsd:totalDigits value="{digits}"/>'
                f'<xsd:fractionDigits value="{fraction or 0}"/></xsd:restriction>'
            )
        out.append(f'   <xsd:simpleType name="{name}">\n    {body}\n   </xsd:simpleType>')
    return "\n".join(out)


def _codes() -> set[str]:
    codes = {code for fields in STRUCTURES.values() for _, code in fields}
    for function in FUNCTIONS.values():
        codes |= {i[1] for i in function["imports"]}
    return codes


def _used_structures() -> list[str]:
    names = set()
    for function in FUNCTIONS.values():
        names |= {e[1] for e in function["exports"]} | {t[1] for t in function["tables"]}
    return sorted(names)


def _type_ref(code: str, *, mc: bool) -> str:
    if code in STRUCTURES:
        return f"tns:{mc_name(code)}" if mc else f"s0:{code}"
    name = _simple_name(code)
    if name.startswith("xsd:"):
        return name
    if mc and name in {"date10", "time"}:
        return f"tns:{name}"
    return f"n0:{name}" if mc else f"s0:{name}"


def _mc_wsdl() -> str:
    structures = _used_structures()
    complex_types = []
    for struct in structures:
        fields = "\n".join(
            f'      <xsd:element name="{mc_name(f)}" type="{_type_ref(c, mc=True)}"/>'
            for f, c in STRUCTURES[struct]
        )
        complex_types.append(
            f'   <xsd:complexType name="{mc_name(struct)}">\n    <xsd:sequence>\n'
            f"{fields}\n    </xsd:sequence>\n   </xsd:complexType>"
        )
    tables = sorted({t[1] for f in FUNCTIONS.values() for t in f["tables"]})
    for struct in tables:
        complex_types.append(  # noqa: PERF401 - one block per table type
            f'   <xsd:complexType name="TableOf{mc_name(struct)}">\n    <xsd:sequence>\n'
            f'     <xsd:element name="item" type="tns:{mc_name(struct)}" minOccurs="0" '
            'maxOccurs="unbounded"/>\n    </xsd:sequence>\n   </xsd:complexType>'
        )
    elements, messages, port_ops, bind11, bind12, policies = [], [], [], [], [], []
    for function, sig in sorted(FUNCTIONS.items()):
        op = mc_name(function)
        request = [(mc_name(n), _type_ref(c, mc=True), opt) for n, c, opt in sig["imports"]] + [
            (mc_name(n), f"tns:TableOf{mc_name(s)}", opt) for n, s, opt in sig["tables"]
        ]
        response = [(mc_name(n), _type_ref(s, mc=True), "") for n, s in sig["exports"]] + [
            (mc_name(n), f"tns:TableOf{mc_name(s)}", opt) for n, s, opt in sig["tables"]
        ]
        for name, parts in ((op, request), (f"{op}Response", response)):
            rows = "\n".join(
                f'      <xsd:element name="{n}" type="{t}"{OPTIONAL if o else ""}/>'
                for n, t, o in sorted(parts)
            )
            elements.append(
                f'   <xsd:element name="{name}">\n    <xsd:complexType>\n     <xsd:sequence>\n'
                f"{rows}\n     </xsd:sequence>\n    </xsd:complexType>\n   </xsd:element>"
            )
        messages.append(
            f' <wsdl:message name="{op}">\n  <wsdl:part name="parameters" element="tns:{op}"/>\n'
            f' </wsdl:message>\n <wsdl:message name="{op}Response">\n'
            f'  <wsdl:part name="parameter" element="tns:{op}Response"/>\n </wsdl:message>'
        )
        port_ops.append(
            f'  <wsdl:operation name="{op}">\n   <wsp:Policy>\n'
            f'    <wsp:PolicyReference URI="#OP__{op}"/>\n   </wsp:Policy>\n'
            f'   <wsdl:input message="tns:{op}"/>\n   <wsdl:output message="tns:{op}Response"/>\n'
            "  </wsdl:operation>"
        )
        action = f"{MC_NS}:{SERVICE}:{op}Request"
        for target, prefix in ((bind11, "soap"), (bind12, "wsoap12")):
            target.append(
                f'  <wsdl:operation name="{op}">\n'
                f'   <{prefix}:operation soapAction="{action}" style="document"/>\n'
                f'   <wsdl:input>\n    <{prefix}:body use="literal"/>\n   </wsdl:input>\n'
                f'   <wsdl:output>\n    <{prefix}:body use="literal"/>\n   </wsdl:output>\n'
                "  </wsdl:operation>"
            )
        policies.append(
            f' <wsp:Policy wsu:Id="OP__{op}">\n  <wsp:ExactlyOne>\n   <wsp:All>\n'
            '    <saptrhnw05:required xmlns:saptrhnw05="http://www.sap.com/NW05/soap/features/transaction/">no</saptrhnw05:required>\n'
            '    <sapcomhnd:enableCommit xmlns:sapcomhnd="http://www.sap.com/NW05/soap/features/commit/">false</sapcomhnd:enableCommit>\n'
            '    <sapblock:enableBlocking xmlns:sapblock="http://www.sap.com/NW05/soap/features/blocking/">true</sapblock:enableBlocking>\n'
            '    <saprmnw05:enableWSRM xmlns:saprmnw05="http://www.sap.com/NW05/soap/features/wsrm/">false</saprmnw05:enableWSRM>\n'
            "   </wsp:All>\n  </wsp:ExactlyOne>\n </wsp:Policy>"
        )
    nl = "\n"
    return f"""<?xml version="1.0" encoding="utf-8"?>
<wsdl:definitions targetNamespace="{MC_NS}" xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" xmlns:wsoap12="http://schemas.xmlsoap.org/wsdl/soap12/" xmlns:http="http://schemas.xmlsoap.org/wsdl/http/" xmlns:mime="http://schemas.xmlsoap.org/wsdl/mime/" xmlns:tns="{MC_NS}" xmlns:wsp="http://schemas.xmlsoap.org/ws/2004/09/policy" xmlns:wsu="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd">
 <wsdl:documentation>
  <sidl:sidl xmlns:sidl="http://www.sap.com/2007/03/sidl"/>
 </wsdl:documentation>
 <wsp:UsingPolicy wsdl:required="true"/>
 <wsp:Policy wsu:Id="BN__{SERVICE}">
  <wsp:ExactlyOne>
   <wsp:All>
    <sapattahnd:Enabled xmlns:sapattahnd="http://www.sap.com/710/features/attachment/">false</sapattahnd:Enabled>
    <saptrnbnd:OptimizedMimeSerialization xmlns:saptrnbnd="http://schemas.xmlsoap.org/ws/2004/09/policy/optimizedmimeserialization" wsp:Optional="true"/>
    <wsaw:UsingAddressing xmlns:wsaw="http://www.w3.org/2006/05/addressing/wsdl" wsp:Optional="true"/>
    <wsp:All xmlns:wsp="http://schemas.xmlsoap.org/ws/2004/09/policy">
     <sp:TransportBinding xmlns:sp="http://docs.oasis-open.org/ws-sx/ws-securitypolicy/200702" xmlns:sapsp="http://www.sap.com/webas/630/soap/features/security/policy" xmlns:wsa="http://www.w3.org/2005/08/addressing" xmlns:wst="http://docs.oasis-open.org/ws-sx/ws-trust/200512" xmlns:wsu="http://schemas.xmlsoap.org/ws/2002/07/utility" xmlns:wsx="http://schemas.xmlsoap.org/ws/2004/09/mex">
      <wsp:Policy>
       <sp:TransportToken>
        <wsp:Policy>
         <sp:HttpsToken>
          <wsp:Policy>
           <sp:HttpBasicAuthentication/>
          </wsp:Policy>
         </sp:HttpsToken>
        </wsp:Policy>
       </sp:TransportToken>
       <sp:AlgorithmSuite>
        <wsp:Policy>
         <sp:Basic128Rsa15/>
        </wsp:Policy>
       </sp:AlgorithmSuite>
       <sp:Layout>
        <wsp:Policy>
         <sp:Strict/>
        </wsp:Policy>
       </sp:Layout>
      </wsp:Policy>
     </sp:TransportBinding>
    </wsp:All>
   </wsp:All>
  </wsp:ExactlyOne>
 </wsp:Policy>
 <wsp:Policy wsu:Id="IF__{SERVICE}">
  <wsp:ExactlyOne>
   <wsp:All>
    <sapsession:Session xmlns:sapsession="http://www.sap.com/webas/630/soap/features/session/">
     <sapsession:enableSession>false</sapsession:enableSession>
    </sapsession:Session>
    <sapcentraladmin:CentralAdministration xmlns:sapcentraladmin="http://www.sap.com/webas/700/soap/features/CentralAdministration/" wsp:Optional="true">
     <sapcentraladmin:BusinessApplicationID>0050568F1A2B1EEF9C8D6A3E0B1C2D3E</sapcentraladmin:BusinessApplicationID>
    </sapcentraladmin:CentralAdministration>
   </wsp:All>
  </wsp:ExactlyOne>
 </wsp:Policy>
{nl.join(policies)}
 <wsdl:types>
  <xsd:schema attributeFormDefault="qualified" targetNamespace="{RFC_NS}" xmlns:xsd="http://www.w3.org/2001/XMLSchema">
{_simple_types(_codes(), mc=True)}
  </xsd:schema>
  <xsd:schema attributeFormDefault="qualified" targetNamespace="{MC_NS}" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:n0="{RFC_NS}" xmlns:tns="{MC_NS}">
   <xsd:import namespace="{RFC_NS}"/>
   <xsd:simpleType name="date10">
    <xsd:restriction base="xsd:string">
     <xsd:maxLength value="10"/>
     <xsd:pattern value="\\d\\d\\d\\d-\\d\\d-\\d\\d"/>
    </xsd:restriction>
   </xsd:simpleType>
   <xsd:simpleType name="time">
    <xsd:restriction base="xsd:time">
     <xsd:pattern value="\\d\\d:\\d\\d:\\d\\d"/>
    </xsd:restriction>
   </xsd:simpleType>
{nl.join(complex_types)}
{nl.join(elements)}
  </xsd:schema>
 </wsdl:types>
{nl.join(messages)}
 <wsdl:portType name="{SERVICE}">
  <wsp:Policy>
   <wsp:PolicyReference URI="#IF__{SERVICE}"/>
  </wsp:Policy>
{nl.join(port_ops)}
 </wsdl:portType>
 <wsdl:binding name="{SERVICE}" type="tns:{SERVICE}">
  <wsp:Policy>
   <wsp:PolicyReference URI="#BN__{SERVICE}"/>
  </wsp:Policy>
  <soap:binding transport="http://schemas.xmlsoap.org/soap/http" style="document"/>
{nl.join(bind11)}
 </wsdl:binding>
 <wsdl:binding name="{SERVICE}_soap12" type="tns:{SERVICE}">
  <wsp:Policy>
   <wsp:PolicyReference URI="#BN__{SERVICE}"/>
  </wsp:Policy>
  <wsoap12:binding transport="http://schemas.xmlsoap.org/soap/http" style="document"/>
{nl.join(bind12)}
 </wsdl:binding>
 <wsdl:service name="{SERVICE}">
  <wsdl:port name="{SERVICE}" binding="tns:{SERVICE}">
   <soap:address location="{MC_ADDRESS}"/>
  </wsdl:port>
  <wsdl:port name="{SERVICE}_soap12" binding="tns:{SERVICE}_soap12">
   <wsoap12:address location="{MC_ADDRESS}"/>
  </wsdl:port>
 </wsdl:service>
</wsdl:definitions>
"""


def _rfc_wsdl() -> str:
    complex_types = []
    for struct in _used_structures():
        fields = "\n".join(
            f'      <xsd:element name="{f}" type="{_type_ref(c, mc=False)}"/>'
            for f, c in STRUCTURES[struct]
        )
        complex_types.append(
            f'   <xsd:complexType name="{struct}">\n    <xsd:sequence>\n{fields}\n'
            "    </xsd:sequence>\n   </xsd:complexType>"
        )
    elements, messages, port_ops, bind_ops, services = [], [], [], [], []

    def table(name: str, struct: str, optional: str) -> str:
        return (
            f'      <xsd:element name="{name}"{OPTIONAL if optional else ""}>\n'
            "       <xsd:complexType>\n        <xsd:sequence>\n"
            f'         <xsd:element name="item" type="s0:{struct}" minOccurs="0" '
            'maxOccurs="unbounded"/>\n        </xsd:sequence>\n       </xsd:complexType>\n'
            "      </xsd:element>"
        )

    for function, sig in sorted(FUNCTIONS.items()):
        request = [
            f'      <xsd:element name="{n}" type="{_type_ref(c, mc=False)}"'
            f"{OPTIONAL if o else ''}/>"
            for n, c, o in sig["imports"]
        ] + [table(*t) for t in sig["tables"]]
        response = [
            f'      <xsd:element name="{n}" type="{_type_ref(s, mc=False)}"/>'
            for n, s in sig["exports"]
        ] + [table(*t) for t in sig["tables"]]
        for name, rows in ((function, request), (f"{function}.Response", response)):
            elements.append(
                f'   <xsd:element name="{name}">\n    <xsd:complexType>\n     <xsd:sequence>\n'
                + "\n".join(rows)
                + "\n     </xsd:sequence>\n    </xsd:complexType>\n   </xsd:element>"
            )
        messages.append(
            f' <message name="{function}Input">\n  <part name="parameters" element="s0:{function}"/>\n'
            f' </message>\n <message name="{function}Output">\n'
            f'  <part name="parameters" element="s0:{function}.Response"/>\n </message>'
        )
        port_ops.append(
            f'  <operation name="{function}">\n   <input message="s0:{function}Input"/>\n'
            f'   <output message="s0:{function}Output"/>\n  </operation>'
        )
        bind_ops.append(
            f'  <operation name="{function}">\n'
            f'   <soap:operation soapAction="http://www.sap.com/{function}"/>\n'
            '   <input>\n    <soap:body use="literal"/>\n   </input>\n'
            '   <output>\n    <soap:body use="literal"/>\n   </output>\n  </operation>'
        )
    services.append(
        ' <service name="BAPIService">\n'
        "  <documentation>SAP Service BAPI via SOAP</documentation>\n"
        '  <port name="BAPIPortType" binding="s0:BAPIBinding">\n'
        f'   <soap:address location="{RFC_ADDRESS}"/>\n  </port>\n </service>'
    )
    nl = "\n"
    return f"""<?xml version="1.0" encoding="utf-8"?>
<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:s0="{RFC_NS}" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" targetNamespace="{RFC_NS}">
 <types>
  <xsd:schema elementFormDefault="unqualified" targetNamespace="{RFC_NS}">
{_simple_types(_codes(), mc=False)}
{nl.join(complex_types)}
{nl.join(elements)}
  </xsd:schema>
 </types>
{nl.join(messages)}
 <portType name="BAPIPortType">
{nl.join(port_ops)}
 </portType>
 <binding name="BAPIBinding" type="s0:BAPIPortType">
  <soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
{nl.join(bind_ops)}
 </binding>
{nl.join(services)}
</definitions>
"""


def main() -> None:
    """Write both fixtures next to this script."""
    HERE.mkdir(exist_ok=True)
    (HERE / "zcrmkit_crm_mc_style.wsdl").write_text(_mc_wsdl(), encoding="utf-8")
    (HERE / "bapi_rfc_style.wsdl").write_text(_rfc_wsdl(), encoding="utf-8")


if __name__ == "__main__":
    main()
