namespace Telescope.Data;

/// <summary>
/// The sha256 table of the project's data folder (its README.md), plus the official MNIST downloads.
/// Loaders verify every known file through <see cref="Table"/>; unknown files (e.g. a user's full
/// official CIFAR-10 batches) are accepted and validated structurally by the readers.
/// </summary>
public static class KnownDataFiles
{
    /// <summary>Every known file.</summary>
    public static IReadOnlyList<KnownDataFile> All { get; } =
    [
        // MNIST. For the files that also exist officially, the uncompressed digests below are those of the
        // official IDX files (widely published, e.g. by tensorflow-datasets); the data folder's copies are
        // re-compressed, hence a second accepted file digest.
        new("mnist/t10k-images-idx3-ubyte.gz", "MNIST test images, 10000×28×28",
            ["167310007f03058885c7e95e6c0b19c20de5c7fd3031f4cbdadc9014a523d80b",
             "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"],
            "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
        new("mnist/t10k-labels-idx1-ubyte.gz", "MNIST test labels, 10000",
            ["fc607395669ec21321ea83e4b82c0544b7e8e63ff5b34337c06bc0a17cc0da3c",
             "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"],
            "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"),
        new("mnist/train-10k-images-idx3-ubyte.gz", "the first 10000 MNIST training images",
            ["0adc27afdec4e4ca637ad51be93f4d28cd078e4e1823a66a502ec064058fc80f"],
            "2889698e6bc3614913e76901316712919d1998fc2b44512451bfe65bc1e668b1"),
        new("mnist/train-10k-labels-idx1-ubyte.gz", "labels of the first 10000 MNIST training images",
            ["4e8b4ac90e302aa725dd50c14268e8630d3941e30cf889ea15dfa1a6dedf8665"],
            "651e38e2ac0632f5113ec18f1df4977117f953197819034009971a6675a0df78"),
        new("mnist/train-labels-idx1-ubyte.gz", "all 60000 MNIST training labels",
            ["ec02e7948609e5754d47881c09b8afdd8dfa60600b9e5388c8c54a67069ec772",
             "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"],
            "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
        new("mnist/train-images-idx3-ubyte.gz", "all 60000 MNIST training images (official download)",
            ["440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"],
            "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),

        new("cifar10/cifar10-train-10k.bin.gz", "10000 CIFAR-10 training images, class-interleaved",
            ["1b5df7b92ae308650edb2e770af3ebd50cd5fa1090e9ce767a3ec80a641792ad"],
            "a6f48cd4d8745d5b80b6a0f7665654d54e1aacda199a3a966cb7958b11d38f22"),
        new("cifar10/cifar10-test-10k.bin.gz", "the 10000 CIFAR-10 test images, class-interleaved",
            ["6312028e7a285f2b10e34aa1eb724ed815ba3124e36fc6c0f99661194a24a4e4"],
            "2696e48ae3fe74d50ecaacc0b8092b89bf95cd3f6471d079f4cbd39a956c18c3"),

        new("digits/sklearn-digits.csv.gz", "1797 8×8 handwritten digits (scikit-learn)",
            ["46abec6b12486ad9e51943373abcf22bbea1b5a51a1619b361570d8893f1464a"],
            "6ebb3d2fee246a4e99363262ddf8a00a3c41bee6014c373ed9d9216ba7f651b8"),

        new("tabular/houses_cal_housing.csv", "California housing (houses)",
            ["534365b6c3c9b07c2b7d88e0ff9f1b41725d8b799748f5c0b80e1067f51c8ab3"]),
        new("tabular/cpu_act.csv", "cpu_act", ["72a215c6fcad26f907605b1cb1f154836d19ac019d95da1375d9251d0467f501"]),
        new("tabular/house_16h.csv", "house_16H", ["3786f2207a69a6a49a66c684ed69bbfde08e18b42a146e51f69ac85c108ffca5"]),
        new("tabular/winequality-red.csv", "wine quality (red)",
            ["c9614512e980f1cbd221c796daa97f00c4898c3cd1716863abac60f6cd1a522e"]),
        new("tabular/winequality-white.csv", "wine quality (white)",
            ["659d419fff887f225bf977d20520bb64a64cae203e460087f809721d4430ba27"]),
        new("tabular/winequality.names", "wine quality column names",
            ["15d215e73b39105952380fd487e4ce1bf5a6b83a425abb285c2ec55193d3ca92"]),
        new("tabular/elevators.csv", "elevators", ["6e34c1d56a2da064607287b36eed0ef380504f33218e4f222815c002c2d1a239"]),
        new("tabular/ailerons.csv", "Ailerons", ["99c792b0b705ded83efe4408ce8d71a9727a765a609b13ab2038b892b9cf28eb"]),
        new("tabular/miami-housing.csv", "MiamiHousing2016",
            ["ac7a8605ab4342da9443f4ded5b39863f7a3b455590468f87c6a57916302303f"]),
        new("tabular/diamonds.csv", "diamonds", ["ded35d24c7319ae5b9e547908ce25f4b8471f2107dd85bcb2a864377ff300b5e"]),
        new("tabular/pole_telecomm.csv", "pol", ["575dad6fad6772c772b14cb7375fe6066a6924146920c0903d4285a6f9c940c4"]),
    ];

    /// <summary>The process-wide verifier over <see cref="All"/> (caches each file's verdict).</summary>
    public static ChecksumTable Table { get; } = new(All);
}
