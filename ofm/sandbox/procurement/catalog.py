"""What the generated suppliers are made of, per country: words, places, banks, VAT layouts.

Data only. Names are built from these words (see `generator.py`); bank codes are real codes
with their BICs (so an IBAN resolves to a plausible bank); a VAT layout is a pattern where
`n` is a digit 1-9, `d` any digit, `?` a check position found by trying candidates with
python-stdnum, `L` the Luhn digit of the digits before it, anything else a literal.
"""

from __future__ import annotations

from dataclasses import dataclass

START = "2026-11-01T08:00:00Z"  # the logical clock of the sandbox starts here
PAYMENT_TERMS = (("NET30", 50), ("EOM", 20), ("NET45", 15), ("NET15", 10), ("IMMEDIATE", 5))


def _w(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split("|"))


@dataclass(frozen=True)
class City:
    name: str
    postal_code: str
    area: str  # telephone area code ("" where numbers have none)
    region: str | None = None


@dataclass(frozen=True)
class Bank:
    code: str
    branch: str
    bic: str


@dataclass(frozen=True)
class Country:
    """How suppliers of one country look."""

    code: str
    currency: str
    weight: int  # share of generated suppliers, in percent
    phone: str
    vat: str | None  # VAT layout (see module docstring); None: the country has no VAT id
    forms: tuple[str, ...]  # legal forms, repeated to weight them
    patterns: tuple[str, ...]  # name patterns over {surname} {surname2} {trade} {place}
    surnames: tuple[str, ...]
    first_names: tuple[str, ...]
    trades: tuple[str, ...]
    places: tuple[str, ...]
    cities: tuple[City, ...]
    streets: tuple[str, ...]
    street_format: str  # over {street} {no}
    line2: tuple[str, ...]
    banks: tuple[Bank, ...]
    account_digits: int  # length of the national account number in the IBAN


def _cities(text: str) -> tuple[City, ...]:
    return tuple(City(*(p or None if i == 3 else p for i, p in enumerate(c.split("/")))) for c in _w(text))


def _banks(text: str) -> tuple[Bank, ...]:
    return tuple(Bank(*b.split("/")) for b in _w(text))


COUNTRIES: tuple[Country, ...] = (
    Country("DE", "EUR", 22, "+49", "nddddddd?", _w("GmbH|GmbH|GmbH|GmbH|GmbH & Co. KG|AG|KG"),
            _w("{surname} {trade}|{surname} & {surname2}|{place} {trade}"),
            _w("Müller|Schmidt|Schneider|Fischer|Weber|Wagner|Becker|Schulz|Hoffmann|Koch|Richter|Klein|Wolf|"
               "Schröder|Neumann|Schwarz|Zimmermann|Braun|Krüger|Hartmann|Lange|Werner|Krause|Lehmann|Köhler|"
               "Kaiser|Fuchs|Peters|Scholz|Vogel|Friedrich|Günther|Jäger|Brandt|Haas|Sommer|Keller|Roth"),
            _w("Anna|Lukas|Julia|Jonas|Laura|Felix|Sarah|Maximilian|Katharina|Tobias|Lena|Florian|Sophie|Stefan"),
            _w("Feinmechanik|Werkzeugbau|Logistik|Elektrotechnik|Verpackungen|Kunststofftechnik|Metallbau|"
               "Druckerei|Gebäudetechnik|Industriebedarf|Antriebstechnik|Messtechnik|Stahlhandel|Holzbau|"
               "Laborbedarf|Büroeinrichtung|Sicherheitstechnik|Anlagenbau|Hydraulik|Umwelttechnik|Spedition"),
            _w("Rhein-Main|Nordsee|Alpen|Hanse|Spree|Elbtal|Schwarzwald|Ruhr|Bodensee|Taunus|Eifel|Harz|Weser"),
            _cities("Berlin/10115/30|Hamburg/20095/40|München/80331/89|Köln/50667/221|Frankfurt am Main/60311/69|"
                    "Stuttgart/70173/711|Düsseldorf/40213/211|Leipzig/04109/341|Dortmund/44135/231|"
                    "Nürnberg/90402/911|Bremen/28195/421|Hannover/30159/511|Dresden/01067/351|Mannheim/68159/621"),
            _w("Hauptstraße|Industriestraße|Bahnhofstraße|Gewerbestraße|Lindenallee|Am Hafen|Schillerstraße|"
               "Daimlerstraße|Werkstraße|Mühlenweg|Gutenbergstraße|Robert-Bosch-Straße|Kantstraße"),
            "{street} {no}", _w("Halle 3|Gebäude B|2. OG|Tor 4"),
            _banks("10070000//DEUTDEBBXXX|37050198//COLSDE33XXX|70150000//SSKMDEMMXXX|20050550//HASPDEHHXXX|"
                   "10040000//COBADEBBXXX"), 10),
    Country("FR", "EUR", 13, "+33", "??ndddddddL", _w("SAS|SAS|SAS|SARL|SARL|SA"),
            _w("{trade} {surname}|{surname} et {surname2}|{trade} {place}"),
            _w("Martin|Bernard|Dubois|Thomas|Robert|Richard|Petit|Durand|Leroy|Moreau|Simon|Laurent|Lefèvre|"
               "Michel|Garcia|David|Bertrand|Roux|Vincent|Fournier|Morel|Girard|André|Mercier|Dupont|Lambert|"
               "Bonnet|François|Legrand|Chevalier|Perrin|Rousseau|Blanc|Guérin|Faure|Clément"),
            _w("Camille|Julien|Claire|Nicolas|Émilie|Antoine|Manon|Pierre|Sophie|Mathieu|Chloé|Hugo|Pauline"),
            _w("Transports|Emballages|Ateliers|Métallerie|Imprimerie|Menuiserie|Électricité|Logistique|"
               "Fournitures|Mécanique|Plasturgie|Nettoyage|Chaudronnerie|Robinetterie|Outillage|Usinage|"
               "Carrosserie|Verrerie|Câblerie"),
            _w("Atlantique|Provence|Bretagne|Normandie|Alsace|Vosges|Jura|Rhône|Nord|Ardèche|Aquitaine|Savoie"),
            _cities("Paris/75008/1|Lyon/69002/4|Marseille/13002/4|Toulouse/31000/5|Nantes/44000/2|Bordeaux/33000/5|"
                    "Lille/59000/3|Strasbourg/67000/3|Rennes/35000/2|Grenoble/38000/4|Nice/06000/4|Rouen/76000/2"),
            _w("rue de la République|avenue Jean Jaurès|rue Victor Hugo|boulevard Pasteur|rue des Artisans|"
               "rue du Commerce|avenue de la Gare|rue de l'Industrie|chemin des Vignes|quai Saint-Pierre"),
            "{no} {street}", _w("Bâtiment B|ZI Nord|BP 42|Parc d'activités"),
            _banks("30004/00001/BNPAFRPPXXX|30003/03620/SOGEFRPPXXX|30002/00550/CRLYFRPPXXX|20041/01005/PSSTFRPPXXX"),
            11),
    Country("NL", "EUR", 9, "+31", "nddddddd?B01", _w("B.V.|B.V.|B.V.|B.V.|N.V."),
            _w("{surname} {trade}|{surname} & {surname2}|{place} {trade}"),
            _w("de Jong|Jansen|de Vries|van den Berg|van Dijk|Bakker|Visser|Smit|Meijer|de Boer|Mulder|de Groot|"
               "Bos|Hendriks|van Leeuwen|Dekker|Brouwer|de Wit|Dijkstra|de Graaf|van der Meer|Kok|Vermeulen"),
            _w("Daan|Sanne|Thijs|Lotte|Bram|Eva|Sem|Anouk|Ruben|Fleur|Jeroen|Marieke|Joost|Ilse"),
            _w("Techniek|Logistiek|Installatietechniek|Verpakkingen|Metaalbewerking|Transport|Bouwmaterialen|"
               "Handelsonderneming|Kunststoffen|Drukkerij|Machinebouw|Schoonmaak|Automatisering|Staalbouw"),
            _w("Holland|Delta|Veluwe|Brabant|Twente|Rijnmond|Zeeland|Amstel|Limburg|Friesland|Gooi|Achterhoek"),
            _cities("Amsterdam/1012 AB/20|Rotterdam/3011 AA/10|Utrecht/3511 AB/30|Den Haag/2511 AA/70|"
                    "Eindhoven/5611 AA/40|Groningen/9711 AA/50|Tilburg/5038 AA/13|Breda/4811 AA/76|"
                    "Nijmegen/6511 AA/24|Zwolle/8011 AA/38"),
            _w("Keizersgracht|Stationsweg|Industrieweg|Kerkstraat|Dorpsstraat|Havenstraat|Molenweg|Nieuwstraat|"
               "Handelsweg|Marktplein"),
            "{street} {no}", _w("Unit 4|Hal B|2e verdieping"),
            _banks("ABNA//ABNANL2AXXX|RABO//RABONL2UXXX|INGB//INGBNL2AXXX|TRIO//TRIONL2UXXX"), 10),
    Country("IT", "EUR", 10, "+39", "ndddddd0dd?", _w("S.r.l.|S.r.l.|S.r.l.|S.r.l.|S.p.A."),
            _w("{trade} {surname}|{surname} & {surname2}|{trade} {place}"),
            _w("Rossi|Russo|Ferrari|Esposito|Bianchi|Romano|Colombo|Ricci|Marino|Greco|Bruno|Gallo|Conti|"
               "De Luca|Mancini|Costa|Giordano|Rizzo|Lombardi|Moretti|Barbieri|Fontana|Santoro|Mariani|Rinaldi|"
               "Caruso|Galli|Martini|Leone"),
            _w("Giulia|Marco|Francesca|Luca|Chiara|Alessandro|Sara|Matteo|Valentina|Andrea|Elena|Davide|Martina"),
            _w("Meccanica|Trasporti|Imballaggi|Elettronica|Carpenteria|Logistica|Forniture|Stampaggio|Tipografia|"
               "Plastica|Impianti|Automazione|Costruzioni|Utensileria|Ceramiche"),
            _w("Adriatica|Lombarda|Veneta|Toscana|Padana|Ligure|Emiliana|Sarda|Siciliana|Piemontese|Tirrena"),
            _cities("Milano/20121/02|Roma/00184/06|Torino/10121/011|Bologna/40121/051|Firenze/50123/055|"
                    "Napoli/80133/081|Verona/37121/045|Padova/35121/049|Brescia/25121/030|Bergamo/24121/035|"
                    "Genova/16121/010|Modena/41121/059"),
            _w("Via Roma|Via Garibaldi|Via Mazzini|Corso Italia|Via dell'Industria|Via Verdi|Viale Europa|"
               "Via Cavour|Via Dante|Via del Lavoro"),
            "{street} {no}", _w("Capannone 2|Scala B|Zona Industriale"),
            _banks("03069/01600/BCITITMMXXX|02008/01634/UNCRITMMXXX|05034/11701/BAPPIT21XXX|01030/02800/PASCITMMXXX"),
            12),
    Country("ES", "EUR", 9, "+34", "Bddddddd?", _w("S.L.|S.L.|S.L.|S.L.|S.L.U."),
            _w("{trade} {surname}|{surname} y {surname2}|{trade} {place}"),
            _w("García|Fernández|González|Rodríguez|López|Martínez|Sánchez|Pérez|Gómez|Martín|Jiménez|Ruiz|"
               "Díaz|Moreno|Álvarez|Muñoz|Romero|Alonso|Gutiérrez|Navarro|Torres|Domínguez|Vázquez|Ramos|Gil|"
               "Serrano|Blanco|Molina|Castro"),
            _w("Lucía|Javier|María|Carlos|Carmen|Pablo|Laura|Daniel|Marta|Alejandro|Elena|Sergio|Cristina"),
            _w("Transportes|Embalajes|Suministros|Metalúrgica|Logística|Construcciones|Talleres|Instalaciones|"
               "Mecanizados|Plásticos|Imprenta|Electricidad|Ferretería|Distribuciones|Maquinaria"),
            _w("Levante|Cantábrico|Mediterráneo|Ibérica|Castellana|Andaluza|Gallega|Atlántica|Balear|Aragonesa|"
               "Riojana|Navarra"),
            _cities("Madrid/28001/91|Barcelona/08001/93|Valencia/46001/96|Sevilla/41001/95|Zaragoza/50001/976|"
                    "Málaga/29001/952|Bilbao/48001/94|Murcia/30001/968|Valladolid/47001/983|Alicante/03001/965|"
                    "Vigo/36201/986|Pamplona/31001/948"),
            _w("Calle Mayor|Avenida de la Constitución|Calle Real|Calle Industria|Avenida Diagonal|"
               "Calle San Vicente|Calle Alcalá|Polígono Industrial Norte|Calle del Comercio"),
            "{street}, {no}", _w("Nave 7|Planta 2|Local B"),
            _banks("2100/0418/CAIXESBBXXX|0049/1500/BSCHESMMXXX|0182/2370/BBVAESMMXXX|0081/0200/BSABESBBXXX"), 10),
    Country("BE", "EUR", 6, "+32", "0ndddddd??", _w("BV|BV|BV|SRL|SRL|NV"),
            _w("{trade} {surname}|{surname} & {surname2}|{place} {trade}"),
            _w("Peeters|Janssens|Maes|Jacobs|Mertens|Willems|Claes|Goossens|Wouters|De Smet|Dubois|Lambert|"
               "Dupont|Martens|Hermans|Michiels|Leclercq|Lemaire|Van Damme|Aerts|Segers|Verhoeven|Renard|Collin"),
            _w("Lotte|Arthur|Louise|Noah|Emma|Lucas|Marie|Thomas|Elise|Victor|Julie|Mathis|Nina|Hanne"),
            _w("Transport|Bouw|Metaal|Techniek|Verpakking|Elektro|Drukkerij|Machines|Logistique|Menuiserie|"
               "Chauffage|Industrie|Carrosserie"),
            _w("Kempen|Meuse|Brabant|Flandria|Ardennes|Schelde|Hainaut|Famenne|Westhoek|Waasland|Condroz"),
            _cities("Antwerpen/2000/3|Gent/9000/9|Brussel/1000/2|Liège/4000/4|Leuven/3000/16|Brugge/8000/50|"
                    "Namur/5000/81|Mechelen/2800/15|Hasselt/3500/11|Charleroi/6000/71|Kortrijk/8500/56|Mons/7000/65"),
            _w("Kerkstraat|Stationsstraat|Nijverheidsstraat|Rue de la Station|Rue de l'Industrie|Avenue Louise|"
               "Molenstraat|Rue Haute|Industrieweg|Chaussée de Namur"),
            "{street} {no}", _w("bus 2|Hal 5|Bloc C"),
            _banks("001//GEBABEBB|400//KREDBEBB|300//BBRUBEBB|050//GKCCBEBB"), 7),
    Country("AT", "EUR", 6, "+43", "Undddddd?", _w("GmbH|GmbH|GmbH|GmbH|KG|AG"),
            _w("{surname} {trade}|{surname} & {surname2}|{place} {trade}"),
            _w("Gruber|Huber|Bauer|Wagner|Pichler|Steiner|Moser|Mayer|Hofer|Leitner|Berger|Fuchs|Eder|Fischer|"
               "Schmid|Winkler|Weber|Schwarz|Reiter|Wimmer|Egger|Brunner|Lang|Baumgartner|Auer"),
            _w("Lena|Tobias|Hannah|David|Anna|Florian|Sophie|Lukas|Katharina|Michael|Johanna|Stefan|Theresa"),
            _w("Metalltechnik|Holzbau|Elektrotechnik|Transporte|Verpackung|Maschinenbau|Haustechnik|Kunststoffe|"
               "Zimmerei|Druck|Anlagenbau|Glasbau|Stahlbau|Werkzeuge"),
            _w("Donau|Tirol|Wachau|Steiermark|Salzach|Pannonia|Mühlviertel|Vorarlberg|Inntal|Kärnten|Waldviertel"),
            _cities("Wien/1010/1|Graz/8010/316|Linz/4020/732|Salzburg/5020/662|Innsbruck/6020/512|"
                    "Klagenfurt/9020/463|Villach/9500/4242|Wels/4600/7242|St. Pölten/3100/2742|Dornbirn/6850/5572"),
            _w("Hauptplatz|Mariahilfer Straße|Landstraße|Bahnhofstraße|Industriezeile|Gewerbepark|Wiener Straße|"
               "Linzer Straße|Kirchengasse|Dorfstraße"),
            "{street} {no}", _w("Stiege 2|Top 5|Halle A"),
            _banks("20111//GIBAATWWXXX|14000//BAWAATWWXXX|12000//BKAUATWWXXX"), 11),
    Country("GB", "GBP", 9, "+44", "ndddddd??", _w("Ltd|Ltd|Ltd|Ltd|Limited"),
            _w("{surname} {trade}|{surname} & {surname2}|{place} {trade}"),
            _w("Smith|Jones|Taylor|Brown|Williams|Wilson|Johnson|Davies|Robinson|Wright|Thompson|Evans|Walker|"
               "White|Roberts|Green|Hall|Wood|Jackson|Clarke|Harris|Lewis|Turner|Hill|Cooper|Ward|Morris|King"),
            _w("Oliver|Amelia|Harry|Isla|George|Emily|Jack|Grace|Charlie|Sophie|James|Olivia|Lucy|William"),
            _w("Engineering|Logistics|Packaging|Fabrications|Electrical|Print|Supplies|Plastics|Components|"
               "Haulage|Tooling|Facilities|Hydraulics|Joinery|Instruments"),
            _w("Pennine|Thames|Midland|Severn|Cotswold|Northern|Solent|Mersey|Humber|Wessex|Anglia|Tyne"),
            _cities("London/EC1A 1BB/20|Manchester/M1 1AE/161|Birmingham/B1 1AA/121|Leeds/LS1 1UR/113|"
                    "Glasgow/G1 1XQ/141|Bristol/BS1 4DJ/117|Sheffield/S1 2HE/114|Liverpool/L1 8JQ/151|"
                    "Edinburgh/EH1 1YZ/131|Nottingham/NG1 5FS/115|Cardiff/CF10 1EP/29|Leicester/LE1 5WW/116"),
            _w("High Street|Station Road|Church Lane|Mill Lane|Victoria Road|Park Road|Queen Street|"
               "Market Street|Bridge Street|Commercial Road"),
            "{no} {street}", _w("Unit 7|Suite 3|Riverside House"),
            _banks("NWBK/601613/NWBKGB2LXXX|BARC/200000/BARCGB22XXX|LOYD/309634/LOYDGB2LXXX|HBUK/400515/HBUKGB4BXXX"),
            8),
    Country("SE", "SEK", 4, "+46", "556dddddd?01", _w("AB"),
            _w("{surname} {trade}|{place} {trade}|{surname} & {surname2}"),
            _w("Andersson|Johansson|Karlsson|Nilsson|Eriksson|Larsson|Olsson|Persson|Svensson|Gustafsson|"
               "Pettersson|Hansson|Bengtsson|Lindqvist|Magnusson|Berglund|Axelsson|Sandberg|Holm|Forsberg"),
            _w("Elsa|Oskar|Maja|William|Alice|Hugo|Ebba|Axel|Wilma|Erik|Astrid|Nils|Saga|Gustav"),
            _w("Verkstad|Logistik|Förpackning|Elteknik|Mekaniska|Industriservice|Bygg|Plast|Transport|Tryckeri|"
               "Stålbyggnad|Maskin|Automation|Ventilation|Trävaror"),
            _w("Norrland|Mälardalen|Skåne|Västkust|Dalarna|Göta|Svea|Roslagen|Bergslagen|Småland|Halland"),
            _cities("Stockholm/111 20/8|Göteborg/411 01/31|Malmö/211 20/40|Uppsala/753 20/18|Västerås/722 12/21|"
                    "Örebro/702 10/19|Linköping/582 22/13|Jönköping/553 20/36"),
            _w("Storgatan|Drottninggatan|Kungsgatan|Industrivägen|Hamngatan|Järnvägsgatan|Stationsvägen|"
               "Verkstadsgatan"),
            "{street} {no}", _w("Hus C|Plan 2"),
            _banks("500//ESSESESSXXX|600//HANDSESSXXX|800//SWEDSESSXXX"), 12),
    Country("DK", "DKK", 3, "+45", "ndddddd?", _w("ApS|ApS|ApS|A/S|A/S"),
            _w("{surname} {trade}|{place} {trade}|{surname} & {surname2}"),
            _w("Nielsen|Jensen|Hansen|Pedersen|Andersen|Christensen|Larsen|Sørensen|Rasmussen|Jørgensen|"
               "Madsen|Olsen|Thomsen|Poulsen|Johansen|Møller|Mortensen|Knudsen"),
            _w("Freja|William|Ida|Noah|Emma|Oscar|Clara|Lucas|Sofie|Magnus|Anna|Frederik|Mathilde|Mads"),
            _w("Maskinfabrik|Logistik|Emballage|Elektro|Transport|Byg|Smedie|Trykkeri|Plast|Installation|VVS|"
               "Automation|Montage|Handel"),
            _w("Jylland|Fyn|Sjælland|Limfjord|Nordsø|Østjysk|Vestjysk|Bornholm|Himmerland|Djursland|Kattegat"),
            _cities("København/1050/|Aarhus/8000/|Odense/5000/|Aalborg/9000/|Esbjerg/6700/|Randers/8900/|"
                    "Kolding/6000/|Vejle/7100/"),
            _w("Vestergade|Østergade|Nørregade|Søndergade|Industrivej|Havnegade|Jernbanegade|Bredgade"),
            "{street} {no}", _w("1. sal|Bygning 2"),
            _banks("0040//NDEADKKKXXX|3000//DABADKKKXXX"), 10),
    Country("PL", "PLN", 5, "+48", "ndddddddd?", _w("Sp. z o.o.|Sp. z o.o.|Sp. z o.o.|S.A."),
            _w("{surname} {trade}|{place} {trade}|{trade} {surname}"),
            _w("Nowak|Kowalski|Wiśniewski|Wójcik|Kowalczyk|Kamiński|Lewandowski|Zieliński|Szymański|Woźniak|"
               "Dąbrowski|Kozłowski|Jankowski|Mazur|Kwiatkowski|Krawczyk|Piotrowski|Grabowski|Pawłowski|Michalski"),
            _w("Zuzanna|Jakub|Julia|Antoni|Maja|Jan|Zofia|Szymon|Hanna|Filip|Lena|Aleksander|Alicja|Oliwia"),
            _w("Transport|Opakowania|Metal|Elektro|Logistyka|Budownictwo|Druk|Tworzywa|Maszyny|Instalacje|"
               "Automatyka|Stal|Serwis|Narzędzia"),
            _w("Mazowsze|Pomorze|Śląsk|Wielkopolska|Podhale|Warmia|Kujawy|Małopolska|Podlasie|Karpaty|Bałtyk"),
            _cities("Warszawa/00-001/22|Kraków/30-001/12|Łódź/90-001/42|Wrocław/50-001/71|Poznań/60-001/61|"
                    "Gdańsk/80-001/58|Katowice/40-001/32|Lublin/20-001/81"),
            _w("ul. Marszałkowska|ul. Piłsudskiego|ul. Przemysłowa|ul. Długa|ul. Kościuszki|ul. Mickiewicza|"
               "ul. Fabryczna|ul. Polna"),
            "{street} {no}", _w("lok. 4|hala B"),
            _banks("10901014//WBKPPLPPXXX|11400000//BREXPLPWXXX|10201026//BPKOPLPWXXX"), 16),
    Country("US", "USD", 4, "+1", None, _w("Inc.|Inc.|Inc.|LLC|LLC|Corp."),
            _w("{surname} {trade}|{place} {trade}|{surname} & {surname2}"),
            _w("Smith|Johnson|Williams|Brown|Jones|Miller|Davis|Wilson|Anderson|Taylor|Thomas|Moore|Martin|"
               "Jackson|Thompson|White|Harris|Clark|Lewis|Walker"),
            _w("James|Mary|Robert|Patricia|Michael|Jennifer|David|Linda|John|Elizabeth|Emily|Daniel|Sarah|Kevin"),
            _w("Industries|Manufacturing|Supply|Logistics|Components|Technologies|Systems|Controls|Fabrication|"
               "Materials|Instruments|Machining|Tooling"),
            _w("Pacific|Atlantic|Midwest|Great Lakes|Summit|Liberty|Keystone|Lone Star|Cascade|Gulf Coast|Frontier"),
            _cities("Chicago/60601/312/IL|Houston/77002/713/TX|Denver/80202/303/CO|Atlanta/30303/404/GA|"
                    "Boston/02108/617/MA|Seattle/98101/206/WA|Columbus/43215/614/OH|Phoenix/85004/602/AZ"),
            _w("Main Street|Market Street|Industrial Parkway|Commerce Drive|Oak Avenue|Elm Street|"
               "Washington Boulevard|Lake Shore Drive"),
            "{no} {street}", _w("Suite 200|Building 3|Floor 2"),
            (), 0),
)
BY_CODE = {country.code: country for country in COUNTRIES}
