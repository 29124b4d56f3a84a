"""Regenerate training/data/common-passwords.txt from well-known patterns (no downloads).

The list mixes the most used passwords of public leak studies (English and Chinese sites:
CSDN, 163, Tianya, RockYou-style lists) with the patterns they show: digit runs, repeated
digits, keyboard walks, "I love you" numerals (520, 1314), pinyin words and names with
number suffixes, and dates. Only entries of 8 or more characters matter (shorter passwords
are refused for their length), but a few short favourites stay for completeness.
Run: python scripts/make_common_passwords.py > training/data/common-passwords.txt
"""
import itertools

TOP = """123456 123456789 12345678 password iloveyou princess 1234567 rockyou 12345 abc123
nicole daniel babygirl monkey lovely jessica 654321 michael ashley qwerty 111111 iloveu 000000
michelle tigger sunshine chocolate password1 soccer anthony friends butterfly purple angel jordan
liverpool justin loveme fuckyou 123123 football secret andrea carlos jennifer joshua bubbles
1234567890 superman hannah amanda loveyou pretty basketball andrew angels tweety flower playboy
hello elizabeth hottie tinkerbell charlie samantha barbie chelsea lovers teamo jasmine brandon
666666 shadow melissa eminem matthew robert danielle forever family jonathan 987654321 computer
whatever dragon vanessa cookie naruto summer sweety spongebob joseph junior softball taylor
yellow daniela lauren mickey princesa alexandra alexis jesus estrella miguel william thomas
beautiful mylove angela poohbear patrick iloveme sakura adrian alexander destiny christian
121212 sayang america dancer monica richard 112233 princess1 555555 diamond carolina steven
rangers louise orange 789456 999999 shorty 11111 nathan snoopy gabriel hunter cherry killer
sandra alejandro buster george brittany alejandra patricia rachel tequiero 7777777 cheese
159753 arsenal dolphin antonio heather david ginger stephanie peanut blink182 sweetie 222222
beauty 987654 victoria honey 00000 fernando pokemon maggie corazon chicken pepper cristina
rainbow kisses manuel myspace rebelde angel1 ricardo babygurl heaven 55555 baseball martin
greenday november alyssa madison mother 123321 123abc mahalkita batman september december
morgan mariposa maria gabriela iloveyou2 bailey jeremy pamela kimberly gemini shannon
pictures asshole sophie jessie hellokitty claudia babygirl1 angelica austin mahalko victor
horses tiffany mariana eduardo andres courtney booboo kissme harley ronaldo iloveyou1 precious
october inuyasha peaches veronica chris 888888 adriana cutie james banana prince friend
jesus1 crystal celtic zxcvbnm edward oliver diana samsung freedom angelo kenneth master
scooby carmen 456789 sebastian rebecca jackie spiderman christopher karina johnny hotmail
0123456789 school barcelona august orlando samuel cameron slipknot cutiepie monkey1 50cent
bonita kevin bitch maganda babyboy casper brenda adidas kitten karen mustang isabel natalie
cuteako javier 789456123 123654 sarah bowwow portugal laura 777777 marvin denise tigers
volleyball jasper rockstar january fuckoff alicia nicholas flowers cristian tintin bianca
chrisbrown chester 101010 smokey silver internet sweet strawberry garfield dennis panget
francis cassie benfica love123 696969 asdfgh lollipop olivia cancer camila qwertyuiop superstar
harrypotter ihateyou charles monique midnight vincent christine apples scorpio jordan23 lorena
andreea mercedes katherine charmed abigail rafael icecream mexico brianna nirvana aaliyah pookie
johncena lovelove fucker abcdef benjamin 131313 gangsta brooke 333333 hiphop aaaaaa mybaby
sergio welcome metallica julian travis myspace1 babyblue sabrina michael1 jeffrey stephen love
dakota catherine badboy fernanda westlife blondie sasuke smiley jackson simple melanie steaua
dolphins roberto fluffy teresa piglet ronald slideshow asdfghjkl minnie newyork jason raymond
santiago jayson 88888888 5201314 jerome gandako muffin gatita babyko 246810 sweetheart chivas
ladybug kitty popcorn alberto valeria cookies leslie jenny nicole1 12345678910 leonardo jayjay
liliana dexter sexygirl 232323 amores rockon christ babydoll anthony1 marcus bitch1 fatima
miamor lover chris1 single eeyore lalala 252525 scooter natasha skittles brooklyn colombia
159357 teddybear winnie happy manutd 123456a britney katrina christina pasaway cocacola mahal
grace linda albert tatiana london cantik 0123456 lakers marie teiubesc 147258369 charlotte
natalia francisco amorcito smile paola angelito manchester hahaha elephant mommy1 shelby 147258
kelsey genesis amigos snickers xavier turtle marlon linkinpark claire stupid 147852 marina
garcia fuckyou1 diego brandy letmein hockey 444444 sharon bonnie spider iverson andrei justine
frankie pimpin disney rabbit 54321 fashion soccer1 red123 bestfriend england hermosa 456123
qazwsx bubblegum blessed enter trustno1 access starwars 1qaz2wsx 1q2w3e4r 1q2w3e 1q2w3e4r5t
qwerty123 qwe123 asd123 zxc123 qweasd qweasdzxc 1qazxsw2 zaq12wsx passw0rd p@ssw0rd p@ssword
admin admin123 administrator root toor test test123 guest changeme default letmein1 welcome1
password123 password12 passwd abc123456 a123456 a12345678 aa123456 123456aa qq123456 woaini
woaini1314 woaini520 woaini123 woaiwojia wojiushiwo 5201314520 1314520 520520 5211314 7758521
7758258 1314521 3344520 5201314a 52013145201314 iloveyou520 aini1314 1314woaini zhang123
wang123456 li123456 liu123456 chen123456 yang123456 huang123456 zhao123456 zhou123456 wu123456
xu123456 sun123456 ma123456 zhu123456 hu123456 guo123456 he123456 lin123456 luo123456
woshishui nihao123 nihaoma huanhuan taobao taobao123 weixin123 wechat123 qq123456789 qqqqqq
qqqqqqqq 1234qwer qwer1234 asdf1234 1234asdf zxcv1234 abcd1234 1234abcd 12qwaszx 123qwe
123qweasd 123qweasdzxc asdasd asdasd123 asdfghjkl123 a1b2c3d4 a1b2c3 aaa111 abc12345
abcd123456 abcdefg abcdefgh 123456abc 123456qq 123456789a a123456789 5845201314 1qaz2wsx3edc
""".split()

WORDS = """woaini wangyang zhangwei wangwei liwei liuyang zhangjie lijing wangjing liuwei zhangyong
wangli lina zhangli wangfang lixiuying zhangxiuying wangxiuying liming wanglei chenjing
liqiang zhangmin wangming xiaoming xiaohong xiaoli xiaowang xiaozhang laowang laoli dage
baobao beibei tiantian lele yangyang huahua dandan xixi haha hehe meimei nannan fangfang
jiajia tingting lili jingjing wenwen yuyu xiaoyu xiaomei xiaoxiao baby honey ailisi aiqing
xingfu kuaile pingan fuqi laopo laogong qinai qinaide zhongguo beijing shanghai guangzhou
shenzhen chengdu gansu dingxi henan shandong hebei sichuan yunnan guizhou nongmin nongye
nongcun zhibo dianshang taobao pinduoduo douyin kuaishou weixin wechat shouji diannao
mima mimima password admin qwerty asdfgh zxcvbn iloveyou dragon monkey shadow master
sunshine football baseball superman batman welcome love lucky happy china chinese
zhang wang li liu chen yang huang zhao zhou wu xu sun ma zhu hu guo he lin luo gao liang zheng
xie song tang han feng deng cao peng zeng xiao tian dong pan yuan cai jiang yu du ye cheng wei
""".split()

SUFFIXES = ["", "1", "12", "123", "1234", "12345", "123456", "520", "1314", "5201314", "666",
            "888", "88", "66", "99", "000", "111", "11", "!", "@123", "2000", "2008", "2010",
            "2020", "2023", "2024", "2025", "2026", "1990", "1995", "1998", "1988", "1985"]


def digit_patterns():
    digits = "0123456789"
    for d in digits:
        for n in (6, 8, 9, 10, 11, 12):
            yield d * n
    for n in range(6, 13):
        for start in range(10):
            up = "".join(digits[(start + i) % 10] for i in range(n))
            yield up
            yield up[::-1]
    for a, b in itertools.permutations(digits, 2):
        yield (a + b) * 4
        yield (a * 2 + b * 2) * 2
        yield a * 4 + b * 4
    for a, b, c in itertools.permutations("0123456789", 3):
        if (a, b, c) in (("1", "2", "3"), ("3", "2", "1"), ("5", "2", "0"), ("1", "3", "1"),
                         ("7", "8", "9"), ("4", "5", "6"), ("9", "8", "7"), ("6", "6", "8")):
            yield (a + b + c) * 3
    for word in ("123123", "112233", "121212", "123321", "147258", "258369", "159357",
                 "147369", "741852", "963852", "135790", "246810", "520520", "131452"):
        yield word + word[:2]
        yield word * 2


def keyboard_walks():
    rows = ["1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm", "1qaz2wsx3edc4rfv",
            "qazwsxedcrfv", "1q2w3e4r5t6y", "zaq1xsw2cde3", "!qaz@wsx", "qweasdzxc"]
    for row in rows:
        for n in range(8, len(row) + 1):
            yield row[:n]
            yield row[:n][::-1]
        yield row + "123"


def dates():
    for year in range(1960, 2011):
        for month, day in ((1, 1), (5, 20), (10, 1), (8, 8), (6, 6), (12, 12), (2, 14), (9, 9),
                           (3, 8), (6, 1), (12, 25), (8, 1)):
            yield f"{year}{month:02d}{day:02d}"
        yield f"{year}{year}"
        yield f"woaini{year}"


def main():
    seen = set()
    out = []
    for entry in itertools.chain(
        TOP,
        (w + s for w in WORDS for s in SUFFIXES),
        (s + w for w in WORDS for s in ("520", "1314", "123", "5201314") if len(s + w) >= 8),
        (w.capitalize() + s for w in WORDS for s in ("123", "123456", "1314", "520", "888")),
        digit_patterns(), keyboard_walks(), dates(),
    ):
        key = entry.casefold()
        if key not in seen:
            seen.add(key)
            out.append(key)
    print("# The most common passwords, refused at registration and password change.")
    print("# Generated by scripts/make_common_passwords.py from well-known public patterns.")
    print("\n".join(out))


if __name__ == "__main__":
    main()
