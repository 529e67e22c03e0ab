import JunctionCore
import Testing

@Suite struct NetworkPolicyTests {
    @Test(arguments: [
        ("10.0.0.0/8", "10.1.2.3", true), ("10.0.0.0/8", "11.0.0.1", false), ("169.254.0.0/16", "169.254.169.254", true),
        ("192.168.1.0/24", "192.168.1.255", true), ("192.168.1.0/24", "192.168.2.0", false), ("0.0.0.0/0", "8.8.8.8", true),
        ("fe80::/10", "fe80::1", true), ("fe80::/10", "febf::1", true), ("fe80::/10", "fec0::1", false),
        ("::1/128", "::1", true), ("::1/128", "::2", false), ("1.2.3.4", "1.2.3.4", true), ("1.2.3.4", "1.2.3.5", false),
    ])
    func blocksContainTheirAddresses(block: String, address: String, expected: Bool) throws {
        let cidr = try #require(CIDR(block))
        let bytes = try #require(IPAddressBytes.parse(address))
        #expect(cidr.contains(bytes) == expected)
    }

    @Test(arguments: ["10.0.0.0/33", "300.1.1.1/8", "fe80::/129", "1.2.3/8", "::1::2/64", "abc", ""])
    func malformedBlocksAreRejected(text: String) {
        #expect(CIDR(text) == nil)
    }

    @Test func ipv6ParsingHandlesCompressionAndEmbeddedIPv4() throws {
        #expect(IPAddressBytes.parse("::") == Array(repeating: 0, count: 16))
        #expect(IPAddressBytes.parse("[::1]")?.last == 1)
        #expect(IPAddressBytes.parse("::ffff:169.254.169.254")?.suffix(4) == [169, 254, 169, 254])
        #expect(IPAddressBytes.parse("2001:db8::1")?.prefix(4) == [0x20, 0x01, 0x0d, 0xb8])
        #expect(IPAddressBytes.parse("1:2:3:4:5:6:7:8:9") == nil)
    }

    @Test func theDefaultPolicyDeniesMetadataAndAllowsLoopbackAndPrivate() throws {
        let policy = NetworkPolicy()
        for denied in ["169.254.169.254", "fe80::1", "100.100.100.200", "fd00:ec2::254", "::ffff:169.254.169.254"] {
            #expect(!policy.permits(try #require(IPAddressBytes.parse(denied))), "\(denied)")
        }
        for allowed in ["127.0.0.1", "10.0.0.1", "192.168.0.10", "::1", "93.184.216.34"] {
            #expect(policy.permits(try #require(IPAddressBytes.parse(allowed))), "\(allowed)")
        }
        let privateDenied = NetworkPolicy(denied: [CIDR("10.0.0.0/8")!])
        #expect(!privateDenied.permits(try #require(IPAddressBytes.parse("::ffff:10.0.0.5"))))
        let custom = NetworkPolicy(denied: [CIDR("127.0.0.0/8")!], allowed: [CIDR("127.0.0.2/32")!])
        #expect(!custom.permits([127, 0, 0, 1]))
        #expect(custom.permits([127, 0, 0, 2]))
    }

    @Test func addressesAreJudgedInEveryFormTheyStandFor() throws {
        let policy = NetworkPolicy()
        // IPv4-compatible and NAT64 forms of the metadata address.
        for denied in ["::169.254.169.254", "64:ff9b::169.254.169.254", "64:ff9b::a9fe:a9fe"] {
            #expect(!policy.permits(try #require(IPAddressBytes.parse(denied))), "\(denied)")
        }
        // The unspecified addresses are the local host when loopback is denied.
        let noLoopback = NetworkPolicy(denied: [CIDR("127.0.0.0/8")!, CIDR("::1/128")!])
        for denied in ["0.0.0.0", "0.1.2.3", "::", "[::]", "::ffff:0.0.0.0", "::ffff:127.0.0.1"] {
            #expect(!noLoopback.permits(try #require(IPAddressBytes.parse(denied))), "\(denied)")
        }
        #expect(noLoopback.permits(try #require(IPAddressBytes.parse("8.8.8.8"))))
        #expect(policy.permits(try #require(IPAddressBytes.parse("0.0.0.0"))), "loopback is allowed by default")
    }

    @Test func aSaaSPolicyDeniesTheLocalHostAndPrivateNetworksUnlessAllowed() throws {
        let saas = NetworkPolicy(allowed: [CIDR("10.1.0.0/16")!]).denyingLocalNetworks()
        for denied in ["127.0.0.1", "::1", "0.0.0.0", "::", "10.0.0.1", "172.20.0.1", "192.168.1.1", "100.64.0.1", "fd12::1", "169.254.169.254"] {
            #expect(!saas.permits(try #require(IPAddressBytes.parse(denied))), "\(denied)")
        }
        for allowed in ["10.1.2.3", "93.184.216.34", "2606:4700::1111"] {
            #expect(saas.permits(try #require(IPAddressBytes.parse(allowed))), "\(allowed)")
        }
    }
}
